"""The SQL sandbox: the sources by name, and nothing else."""

import pytest

from studio import StudioError
from studio.sql import referenced_names, run_sql


@pytest.fixture
def lake(workspace, files):
    workspace.sources.add_file(files["csv"], "orders")
    workspace.sources.add_file(files["parquet"], "orders_copy")
    return workspace


def test_select_over_sources_by_name(lake):
    result = run_sql(lake.tables, "SELECT city, count(*) AS n FROM orders WHERE city IS NOT NULL GROUP BY city ORDER BY city")
    assert result.columns == ["city", "n"]
    assert result.rows == [["Lyon", 25], ["Nice", 25], ["Paris", 25]]
    joined = run_sql(lake.tables, "SELECT count(*) FROM orders o JOIN orders_copy c USING (id)")
    assert joined.rows == [[100]]
    limited = run_sql(lake.tables, "FROM orders ORDER BY id", limit=5)
    assert len(limited.rows) == 5 and limited.truncated
    assert run_sql(lake.tables, "SELECT max(\"when\") FROM orders").rows[0][0].startswith("2026-04-10")
    assert run_sql(lake.tables, "DESCRIBE orders").rows[0][0] == "id"
    assert run_sql(lake.tables, "WITH a AS (SELECT 1 AS x) SELECT * FROM a").rows == [[1]]


REFUSED = [
    ("SELECT * FROM read_csv('/etc/passwd')", "reaches outside the lake"),
    ("SELECT * FROM read_text('/etc/hostname')", "reaches outside the lake"),
    ("SELECT * FROM read_parquet('{root}/lake/tables/../../studio.db')", "reaches outside the lake"),
    ("SELECT * FROM 'https://example.com/data.parquet'", "reaches outside the lake"),
    ("ATTACH '{root}/studio.db' AS meta", "ATTACH is not allowed"),
    ("INSTALL httpfs", "INSTALL and LOAD are not allowed"),
    ("LOAD httpfs", "INSTALL and LOAD are not allowed"),
    ("SET enable_external_access = true", "SET is not allowed"),
    ("SET memory_limit = '100GB'", "SET is not allowed"),
    ("RESET lock_configuration", "SET is not allowed"),
    ("COPY orders TO '/tmp/stolen.csv'", "COPY is not allowed"),
    ("EXPORT DATABASE '/tmp/stolen'", "EXPORT is not allowed"),
    ("PRAGMA database_list", "PRAGMA is not allowed"),
    ("CREATE TABLE x AS SELECT 1", "the SQL sandbox is read-only"),
    ("DROP VIEW orders", "the SQL sandbox is read-only"),
    ("DELETE FROM orders", "the SQL sandbox is read-only"),
    ("SELECT 1; SELECT 2", "exactly one SQL statement, not 2"),
    ("SELEC 1", "SQL syntax error"),
    ("SELECT * FROM customers", "Table with name customers does not exist"),
    ("   ", "the query is empty"),
]


@pytest.mark.parametrize("query,message", REFUSED, ids=[q for q, _ in REFUSED])
def test_refused_sql_gets_one_clear_line(lake, query, message):
    with pytest.raises(StudioError) as caught:
        run_sql(lake.tables, query.format(root=lake.root))
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert run_sql(lake.tables, "SELECT count(*) FROM orders").rows == [[100]], "the sandbox is per query: nothing changed"


def test_time_limit_stops_a_runaway_query(lake):
    lake.set_setting("sql_timeout_s", 1)
    with pytest.raises(StudioError, match="ran longer than 1 s and was stopped"):
        run_sql(lake.tables, "SELECT count(*) FROM range(10000000000) a, range(1000) b WHERE a.range * b.range = 7")


def test_memory_limit_is_applied(lake):
    lake.set_setting("sql_memory_limit_mb", 64)
    assert run_sql(lake.tables, "SELECT current_setting('memory_limit')").rows[0][0] == "61.0 MiB"  # 64 MB in MiB
    with pytest.raises(StudioError, match="needs more than 64 MB"):
        run_sql(lake.tables, "SELECT list(range) FROM range(50000000)")


def test_a_syntax_error_is_duckdbs_first_line_without_its_prefix(lake):
    with pytest.raises(StudioError) as caught:
        run_sql(lake.tables, "SELEC 1")
    assert caught.value.message == 'SQL syntax error: syntax error at or near "SELEC"'


def test_rows_come_back_up_to_the_limit(lake):
    default = run_sql(lake.tables, "SELECT * FROM range(2000)")
    assert (len(default.rows), default.truncated) == (1000, True)
    widest = run_sql(lake.tables, "SELECT * FROM range(100001)", limit=100_000)
    assert (len(widest.rows), widest.truncated) == (100_000, True)
    for limit in (0, 100_001):
        with pytest.raises(StudioError) as caught:
            run_sql(lake.tables, "SELECT 1", limit=limit)
        assert caught.value.message == "--limit must be between 1 and 100,000"


def test_a_selects_limit_goes_into_the_query(lake):
    """Only the rows wanted (and one more, to tell whether there were more) are computed, so a
    limit of 3 over a trillion rows answers under a small memory limit."""
    lake.set_setting("sql_memory_limit_mb", 64)
    result = run_sql(lake.tables, "SELECT range AS n, repeat('x', 100) AS pad FROM range(1000000000000)", limit=3)
    assert (result.rows, result.truncated) == ([[0, "x" * 100], [1, "x" * 100], [2, "x" * 100]], True)


def test_explain_is_answered(lake):
    result = run_sql(lake.tables, "EXPLAIN SELECT count(*) FROM orders")
    assert result.columns == ["explain_key", "explain_value"]
    assert len(result.rows) == 1 and not result.truncated


def test_referenced_names_are_the_identifiers_and_keywords_a_query_uses():
    query = "SELECT o.id, \"Customers\".name FROM orders o JOIN \"Customers\" USING (id) -- crm\nWHERE note = 'products' AND o.id IN (SELECT id FROM source)"
    names = ["source", "products", "Orders", "crm", "customers", "stock"]
    assert referenced_names(query, names) == ["Orders", "customers", "source"]
    assert referenced_names("FROM stock", names) == ["stock"]
    assert referenced_names("FROM stock,orders;", names) == ["Orders", "stock"]
    assert referenced_names("SELECT 'stock'", names) == []
    assert referenced_names("SELECT * FROM stock s", names) == ["stock"]
    assert referenced_names('FROM Xrays JOIN "Stock" USING (id)', ["xrays", "stock"]) == ["stock", "xrays"]
