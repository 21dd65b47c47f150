"""Every bad input gets one line that names the file and the problem, and leaves nothing behind."""

import sqlite3

import pandas as pd
import pytest

from studio import StudioError
from studio.sources import ReadOptions
from tests.helpers.servers import free_port


def assert_nothing_registered(workspace):
    assert workspace.sources.list() == []
    assert list(workspace.lake.tables_dir.iterdir()) == []
    assert [p for p in workspace.lake.tmp_dir.iterdir() if p.is_file()] == []


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


BAD_FILES = [
    ("empty.csv", b"", {}, "empty.csv: the file is empty"),
    ("header_only.csv", "a,b\n", {}, "header_only.csv: has no data rows"),
    ("odd_header_only.csv", "a,,a\n", {}, "odd_header_only.csv: has no data rows, only a header"),
    ("twice_header_only.csv", "a,a", {}, "twice_header_only.csv: has no data rows, only a header"),
    ("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n", {}, "ragged.csv: line 3 has 2 fields but the header has 3"),
    ("one_field.csv", "a,b,c\n1,2,3\n4,5,6\n7\n", {}, "one_field.csv: line 4 has 1 field but the header has 3"),
    ("garbage.csv", bytes(range(256)) * 40, {}, "garbage.csv: looks like a binary file"),
    ("latin.csv", "name,n\ncaf\xe9,1\n".encode("latin-1"), {"encoding": "utf-8"}, "latin.csv: line 2 is not valid utf-8 text; set the file's encoding"),
    ("unknown_encoding.csv", "a\n1\n", {"encoding": "klingon"}, "unknown encoding 'klingon'"),
    ("dup.csv", "id,name,ID\n1,a,2\n", {}, "dup.csv: column name 'ID' appears twice (columns 1 and 3)"),
    ("blank_header.csv", "id,,name\n1,2,3\n", {}, "blank_header.csv: column 2 has an empty name"),
    ("corrupt.parquet", b"PAR1 this is not really parquet", {}, "corrupt.parquet: not a valid Parquet file"),
    ("scalar.json", "42", {}, "scalar.json: is not tabular JSON"),
    ("numbers.json", "[1, 2, 3]", {}, "numbers.json: is not tabular JSON"),
    ("broken.json", '[{"a": 1},', {}, "broken.json: malformed JSON"),
    ("table.docx", "a,b\n1,2\n", {}, "table.docx: cannot tell the format from the extension '.docx'; pass --format"),
    ("bad_type.csv", "a,b\n1,2\n", {"types": {"a": "INT); DROP TABLE x; --"}}, "is not a column type"),
    ("no_column.csv", "a,b\n1,2\n", {"types": {"zzz": "INT"}}, "cannot set the type of 'zzz': no such column"),
    ("wrong_type.csv", "a,b\n1,2\nx,3\n", {"types": {"a": "INTEGER"}}, "wrong_type.csv: line 3: a value"),
    ("not_excel.xlsx", b"PK\x03\x04 not a zip at all", {}, "not_excel.xlsx: not a readable Excel .xlsx file"),
]


@pytest.mark.parametrize("name,content,options,message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_gets_one_clear_line(workspace, tmp_path, name, content, options, message):
    path = write(tmp_path, name, content)
    with pytest.raises(StudioError) as caught:
        workspace.sources.add_file(path, "target", ReadOptions(**options))
    text = caught.value.message
    assert message in text
    assert "\n" not in text and "Traceback" not in text
    assert_nothing_registered(workspace)


def test_excel_without_data(workspace, tmp_path):
    empty = tmp_path / "empty.xlsx"
    pd.DataFrame().to_excel(empty, index=False, sheet_name="data")
    with pytest.raises(StudioError, match="empty.xlsx: sheet 'data' is empty"):
        workspace.sources.add_file(empty, "target")
    header_only = tmp_path / "header.xlsx"
    pd.DataFrame({"a": [], "b": []}).to_excel(header_only, index=False)
    with pytest.raises(StudioError, match="header.xlsx: sheet 'Sheet1' has a header but no data rows"):
        workspace.sources.add_file(header_only, "target")
    dup = tmp_path / "dup.xlsx"
    pd.DataFrame([[1, 2]], columns=["x", "y"]).rename(columns={"y": "x"}).to_excel(dup, index=False)
    with pytest.raises(StudioError, match=r"dup.xlsx \[Sheet1\]: column name 'x' appears twice"):
        workspace.sources.add_file(dup, "target")
    assert_nothing_registered(workspace)


def test_file_over_the_size_limit(workspace, tmp_path):
    workspace.set_setting("max_source_mb", 1)
    big = tmp_path / "big.csv"
    big.write_text("a\n" + "123456789\n" * 150_000)
    with pytest.raises(StudioError, match=r"big.csv: is 1 MB, over the workspace limit of 1 MB; raise it with `studio settings max_source_mb N`"):
        workspace.sources.add_file(big, "big")
    assert_nothing_registered(workspace)


def test_missing_file_folder_and_bad_names(workspace, tmp_path, files):
    with pytest.raises(StudioError, match="nope.csv: no such file"):
        workspace.sources.add_file(tmp_path / "nope.csv", "x")
    with pytest.raises(StudioError, match="is a folder"):
        workspace.sources.add_file(tmp_path, "x")
    for name in ["", "1abc", "has space", "semi;colon", "x" * 64]:
        with pytest.raises(StudioError, match="not a valid source name"):
            workspace.sources.add_file(files["csv"], name)
    assert_nothing_registered(workspace)


def test_database_errors(workspace, tmp_path, postgres_url):
    db = tmp_path / "shop.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE orders (id int)")
        connection.execute("CREATE TABLE empty (id int)")
        connection.execute("INSERT INTO orders VALUES (1)")
    cases = [
        (dict(url=f"sqlite:///{tmp_path}/missing.sqlite", table="orders"), "no SQLite file at"),
        (dict(url="not a url", table="orders"), "is not a database URL"),
        (dict(url="mysql://u@localhost/db", table="orders"), "mysql is not supported"),
        (dict(url=f"sqlite:///{db}", table="customers"), "table 'customers' does not exist"),
        (dict(url=f"sqlite:///{db}", table="empty"), "table 'empty' returned no rows; nothing to add"),
        (dict(url=f"sqlite:///{db}", query="SELECT * FRM orders"), "query failed: near \"FRM\": syntax error"),
        (dict(url=f"sqlite:///{db}", query="SELEKT 1"), "only SELECT (or WITH ... SELECT) queries are read"),
        (dict(url=f"sqlite:///{db}", query="SELECT 1 AS a, 2 AS a"), "column name 'a' appears twice"),
        (dict(url=f"sqlite:///{db}", query="   "), "the query is empty"),
        (dict(url=f"postgresql://nobody:secret@127.0.0.1:{free_port()}/db", table="t"), "cannot connect to postgresql://nobody:***@127.0.0.1"),
        (dict(url=postgres_url, table="no_such_table"), "table 'no_such_table' does not exist"),
    ]
    for kwargs, message in cases:
        with pytest.raises(StudioError) as caught:
            workspace.sources.add_database(name="target", **kwargs)
        assert message in caught.value.message, caught.value.message
        assert "secret" not in caught.value.message
        assert "\n" not in caught.value.message
    assert_nothing_registered(workspace)


def test_failure_while_registering_leaves_no_file(workspace, files, monkeypatch):
    import sqlalchemy as sa

    def broken_insert(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr("studio.versioned.sa.insert", broken_insert)
    with pytest.raises(sa.exc.OperationalError):
        workspace.sources.add_file(files["csv"], "orders")
    monkeypatch.undo()
    assert_nothing_registered(workspace)

