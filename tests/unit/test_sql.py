"""The SQL sandbox: the sources by name, and nothing else."""

import pytest

from studio import StudioError
from studio.sql import run_sql


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
