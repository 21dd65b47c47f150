import re
import sqlite3

import pandas as pd
import pytest

from studio import StudioError
from studio.sources import ReadOptions, suggest_name


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "json", "ndjson", "xlsx"])
def test_every_file_format_loads_the_same_table(workspace, files, fmt):
    result = workspace.sources.add_file(files[fmt], f"data_{fmt}")
    source = result.table
    assert source.rows == 100
    assert [c["name"] for c in source.columns] == ["id", "city", "amount", "when"]
    assert source.path.exists() and source.path.name == f"{source.content_hash}.parquet"
    frame = workspace.sources.preview(f"data_{fmt}", 1000)
    assert frame["id"].tolist() == list(range(1, 101))
    assert frame["city"].isna().sum() == 25
    assert frame["amount"].sum() == pytest.approx(sum(round(0.5 + i * 49.5 / 99, 2) for i in range(100)))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson"])
def test_gzipped_text_files_load_the_same_table(workspace, files, tmp_path, fmt):
    import gzip

    packed = tmp_path / f"data.{fmt}.gz"
    packed.write_bytes(gzip.compress(files[fmt].read_bytes()))
    plain = workspace.sources.add_file(files[fmt], "plain").table
    unpacked = workspace.sources.add_file(packed, "packed").table
    assert unpacked.rows == 100 and unpacked.origin["format"] == fmt
    assert unpacked.content_hash == plain.content_hash


def test_gzip_edges_get_one_line_errors(workspace, tmp_path):
    import gzip

    whole = gzip.compress(("id,name\n" + "".join(f"{i},name{i}\n" for i in range(300_000))).encode())
    cases = {
        "cut.csv.gz": (whole[: len(whole) // 2], "not a readable gzip file (it is cut short); check the file is complete"),
        "fake.csv.gz": (b"id,name\n1,a\n", "not a readable gzip file (it is not gzip data)"),
        "cut.ndjson.gz": (gzip.compress(b"".join(b'{"a": %d}\n' % i for i in range(50_000)))[:2000], "not a readable gzip file (it is cut short)"),
        "table.parquet.gz": (gzip.compress(b"PAR1"), "gzip-compressed parquet is not read; decompress it first (gunzip table.parquet.gz)"),
        "cut.json.gz": (gzip.compress(b'[{"a": 1},'), "the array is not closed"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(StudioError, match=re.escape(message)):
            workspace.sources.add_file(tmp_path / name, "edge")
    assert workspace.sources.list() == []
    assert suggest_name("Orders 2024.csv.gz") == "orders_2024"


def test_sqlite_table_and_query(workspace, files):
    url = f"sqlite:///{files['sqlite']}"
    table = workspace.sources.add_database(url, "orders_db", table="orders").table
    assert table.rows == 100 and table.origin["kind"] == "database"
    query = workspace.sources.add_database(url, "paris", query="SELECT id, amount FROM orders WHERE city = 'Paris'").table
    assert query.rows == 25
    assert [c["name"] for c in query.columns] == ["id", "amount"]


def test_sqlite_source_is_opened_read_only(workspace, files):
    url = f"sqlite:///{files['sqlite']}"
    with pytest.raises(StudioError, match="only SELECT"):
        workspace.sources.add_database(url, "evil", query="DELETE FROM orders RETURNING id")
    with pytest.raises(StudioError, match="query failed.*readonly"):
        workspace.sources.add_database(url, "evil", query="WITH x AS (SELECT 1) DELETE FROM orders RETURNING id")
    assert workspace.sources.add_database(url, "intact", table="orders").table.rows == 100


def test_postgresql_table_and_query(workspace, postgres_url):
    import sqlalchemy as sa

    from studio.meta import normalize_url

    engine = sa.create_engine(normalize_url(postgres_url))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS shop_orders")
        connection.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS order_numbers")
        connection.exec_driver_sql("CREATE TABLE shop_orders (id int, total numeric(10,2), placed timestamp, note text, ref uuid)")
        connection.exec_driver_sql(
            "INSERT INTO shop_orders SELECT g, g * 1.5, timestamp '2026-01-01' + g * interval '1 hour', "
            "CASE WHEN mod(g, 10) = 0 THEN NULL ELSE 'n' || g END, gen_random_uuid() FROM generate_series(1, 120000) g"
        )
    engine.dispose()
    source = workspace.sources.add_database(postgres_url, "pg_orders", table="public.shop_orders").table
    assert source.rows == 120000  # more than one streamed chunk
    types = {c["name"]: c["type"] for c in source.columns}
    assert types["id"] == "BIGINT" and types["total"].startswith("DECIMAL") and types["placed"].startswith("TIMESTAMP") and types["ref"] == "UUID"
    profile = workspace.sources.profile("pg_orders")
    note = next(c for c in profile["columns"] if c["name"] == "note")
    assert note["nulls"] == 12000
    query = workspace.sources.add_database(postgres_url, "pg_big", query="SELECT id, total FROM shop_orders WHERE id > 100000").table
    assert query.rows == 20000
    with pytest.raises(StudioError, match="read-only transaction"):
        workspace.sources.add_database(postgres_url, "pg_evil", query="SELECT nextval('order_numbers')")


def test_csv_overrides_delimiter_header_types(workspace, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("zip;amount\n1234;1,5\n99999;2\n")
    sniffed = workspace.sources.add_file(path, "zips").table
    assert {c["name"]: c["type"] for c in sniffed.columns}["zip"] == "BIGINT"
    typed = workspace.sources.add_file(path, "zips", ReadOptions(types={"zip": "VARCHAR", "amount": "varchar"})).table
    assert workspace.sources.preview("zips")["zip"].tolist() == ["1234", "99999"]
    assert typed.version == 2
    headless = tmp_path / "headless.csv"
    headless.write_text("1|a\n2|b\n")
    no_header = workspace.sources.add_file(headless, "pipes", ReadOptions(delimiter="|", header=False)).table
    assert no_header.rows == 2


def test_legacy_encodings_are_sniffed_and_converted(workspace, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("name,price\nCafé Crème,3\nBistro 5€,4\n".encode("cp1252"))
    source = workspace.sources.add_file(path, "legacy").table
    assert source.origin["encoding"] == "cp1252"
    assert workspace.sources.preview("legacy")["name"].tolist() == ["Café Crème", "Bistro 5€"]
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("name,n\nZoë,1\n".encode("utf-16"))
    assert workspace.sources.preview(workspace.sources.add_file(utf16, "wide").table.name)["name"].tolist() == ["Zoë"]


def test_bad_rows_skip_and_pad(workspace, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    with pytest.raises(StudioError, match="line 3"):
        workspace.sources.add_file(path, "short")
    skipped = workspace.sources.add_file(path, "short", ReadOptions(bad_rows="skip")).table
    assert skipped.rows == 2 and skipped.origin["skipped_rows"] == 1
    assert skipped.origin_text() == "short.csv (1 bad row skipped)"
    # A row with too many fields is skipped too (not cut to the header's width), and counted.
    long_rows = tmp_path / "long.csv"
    long_rows.write_text("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n11,12\n")
    dropped = workspace.sources.add_file(long_rows, "long", ReadOptions(bad_rows="skip")).table
    assert (dropped.rows, dropped.origin["skipped_rows"]) == (2, 2)
    assert workspace.sources.preview("long")["a"].tolist() == [1, 8]
    padded = workspace.sources.add_file(path, "padded", ReadOptions(bad_rows="pad", delimiter=",")).table
    assert padded.rows == 3
    assert workspace.sources.preview("padded")["c"].isna().sum() == 1
    # 'pad' fills short rows only: a longer row is refused by line, in the sniffed sample or far
    # beyond it (it was cut to the header's width without a word).
    too_long = "'pad' only fills short rows: fix the row, or load with bad rows set to 'skip'"
    long_rows.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n")
    with pytest.raises(StudioError, match=re.escape(f"line 4 has 4 fields but the header has 3; {too_long}")):
        workspace.sources.add_file(long_rows, "long_pad", ReadOptions(bad_rows="pad"))
    rows = ["a,b,c"] + [f"{i},x,y" for i in range(60_000)]
    rows[45_001] = "8,b,c,d"
    far = tmp_path / "far.csv"
    far.write_text("\n".join(rows) + "\n")
    with pytest.raises(StudioError, match=re.escape(f"line 45002 has the wrong number of fields (4 fields, expected 3); {too_long}")):
        workspace.sources.add_file(far, "far", ReadOptions(bad_rows="pad"))
    assert {s.name for s in workspace.sources.list()} == {"short", "long", "padded"}


def test_excel_sheet_choice(workspace, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1, 2]}).to_excel(writer, sheet_name="first", index=False)
        pd.DataFrame({"y": ["a", "b", "c"], "mixed": [1, "two", 3.0]}).to_excel(writer, sheet_name="second", index=False)
    assert workspace.sources.add_file(path, "book").table.rows == 2
    second = workspace.sources.add_file(path, "book2", ReadOptions(sheet="second")).table
    assert second.rows == 3 and second.origin["sheet"] == "second"
    assert {c["name"]: c["type"] for c in second.columns}["mixed"] == "VARCHAR"
    with pytest.raises(StudioError, match="no sheet named 'third'; the sheets are first, second"):
        workspace.sources.add_file(path, "book3", ReadOptions(sheet="third"))


def test_excel_cells_beyond_the_header_are_refused_not_dropped(workspace, tmp_path):
    import openpyxl

    stray = tmp_path / "stray.xlsx"
    book = openpyxl.Workbook()
    for row in (["id", "amount"], [1, 10], [2, 20, "note"], [3, 30]):
        book.active.append(row)
    book.save(stray)
    with pytest.raises(StudioError, match=r"row 3 has a value in column C but the header \(row 1\) ends at column B; give that column a header"):
        workspace.sources.add_file(stray, "stray")
    titled = tmp_path / "titled.xlsx"
    book = openpyxl.Workbook()
    for row in (["Sales report 2026"], [], ["id", "amount"], [1, 10]):
        book.active.append(row)
    book.active.merge_cells("A1:B1")
    book.save(titled)
    with pytest.raises(StudioError, match="row 1 looks like a title above the table; delete the rows above the header"):
        workspace.sources.add_file(titled, "titled")
    # A title merged over B1:D1 (A1 empty), and a stray header cell right of a gap.
    for name, rows, message in (
        ("offset_title.xlsx", ([None, "Sales report 2026"], ["id", "amount", "x"], [1, 10, 2]), r"row 1 looks like a title above the table"),
        ("gap.xlsx", (["id", "amount", "x", None, "stray"], [1, 10, 2]), r"header cell D1 is empty while cells right of it are not; name that column"),
    ):
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(list(row))
        book.save(tmp_path / name)
        with pytest.raises(StudioError, match=message):
            workspace.sources.add_file(tmp_path / name, "excel_edge")
    assert workspace.sources.list() == []


def test_suggest_name():
    assert suggest_name("Orders 2024.csv") == "orders_2024"
    assert suggest_name("2024-sales.parquet") == "_2024_sales"
    assert suggest_name("???.csv") == "source"


def test_sqlite_queries_cannot_write_and_odd_paths_stay_read_only(workspace, tmp_path):
    folder = tmp_path / "odd#name"
    folder.mkdir()
    db = folder / "shop.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE t (a int)")
        connection.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(StudioError, match="only SELECT"):
        workspace.sources.add_database(f"sqlite:///{db}", "x", query=f"VACUUM INTO '{tmp_path}/stolen.db'")
    assert not (tmp_path / "stolen.db").exists()
    assert workspace.sources.add_database(f"sqlite:///{db}", "t", table="t").table.rows == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd#name", "ws"]
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not sqlite at all " * 100)
    with pytest.raises(StudioError, match="file is not a database"):
        workspace.sources.add_database(f"sqlite:///{garbage}", "g", table="t")
