"""``studio sources``: adding files and databases, and how the results and failures read."""

import json

from tests.unit.test_cli import assert_one_error_line, cli, cli_json


def test_sources_contract(tmp_path, files):
    ws = tmp_path / "ws"
    assert cli_json("init", "--workspace", ws)["sources"] == 0
    added = cli_json("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    assert {"name", "version", "rows", "columns"} <= set(added)
    assert added["name"] == "orders" and added["version"] == 1 and added["rows"] == 100
    assert added["columns"][0] == {"name": "id", "type": "BIGINT"}
    db = cli_json("sources", "add", "--db", f"sqlite:///{files['sqlite']}", "--table", "orders", "--name", "orders_db", "--workspace", ws)
    assert db["rows"] == 100 and db["version"] == 1
    query = cli_json("sources", "add", "--db", f"sqlite:///{files['sqlite']}", "--query", "SELECT id FROM orders LIMIT 7", "--name", "few", "--workspace", ws)
    assert query["rows"] == 7
    typed = cli_json("sources", "add", files["tsv"], "--name", "typed", "--format", "tsv", "--type", "id=VARCHAR", "--workspace", ws)
    assert typed["columns"][0] == {"name": "id", "type": "VARCHAR"}
    listed = cli_json("sources", "list", "--workspace", ws)
    assert [s["name"] for s in listed] == ["few", "orders", "orders_db", "typed"]
    assert all({"name", "version", "rows"} <= set(s) for s in listed)
    shown = cli_json("sources", "show", "orders", "--workspace", ws)
    assert shown["profile"]["rows"] == 100 and shown["versions"] == [1]
    city = next(c for c in shown["profile"]["columns"] if c["name"] == "city")
    assert city["nulls"] == 25
    out = tmp_path / "out.csv"
    cli("sources", "export", "orders", out, "--workspace", ws)
    assert out.read_text().splitlines()[0] == "id,city,amount,when"
    cli("sources", "export", "orders", tmp_path / "out.parquet", "--workspace", ws)
    assert (tmp_path / "out.parquet").stat().st_size > 0
    assert_one_error_line(cli("sources", "export", "orders", out, "--workspace", ws, check=False), "already exists")
    cli("sources", "export", "orders", out, "--overwrite", "--workspace", ws)
    assert cli_json("sources", "rename", "few", "seven", "--workspace", ws)["name"] == "seven"
    preview = cli_json("sources", "preview", "seven", "--limit", "3", "--workspace", ws)
    assert preview["columns"] == ["id"] and len(preview["rows"]) == 3


def test_skipped_bad_rows_are_counted_in_the_message(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3\n4,5,6\n7,8\n")
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    refused = cli("sources", "add", path, "--name", "ragged", "--workspace", ws, check=False)
    assert_one_error_line(refused, "ragged.csv: line 3 has 1 field but the header has 2")
    assert refused.stderr.count("ragged.csv") == 1
    added = cli("sources", "add", path, "--name", "ragged", "--bad-rows", "skip", "--workspace", ws)
    assert "added ragged v1: 2 rows, 2 columns; 2 bad rows skipped" in added.stdout


def test_preview_json_is_strict_json_with_nulls_and_numbers(tmp_path, files):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    cli("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    text = cli("sources", "preview", "orders", "--limit", "100", "--json", "--workspace", ws).stdout

    def no_nan(constant):
        raise AssertionError(f"{constant} is not JSON")

    document = json.loads(text, parse_constant=no_nan)
    city, identity = document["columns"].index("city"), document["columns"].index("id")
    assert sum(row[city] is None for row in document["rows"]) == 25
    assert [row[identity] for row in document["rows"][:3]] == [1, 2, 3]


def test_a_missing_file_is_named_as_the_user_gave_it(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    for given in ("data/orders.csv", str(tmp_path / "elsewhere" / "orders.csv")):
        result = cli("sources", "add", given, "--name", "orders", "--workspace", ws, check=False)
        assert_one_error_line(result, f"error: {given}: no such file; check the path")
    assert_one_error_line(cli("sources", "add", "data", "--name", "orders", "--workspace", ws, check=False), "error: data: is a folder, not a file")


def test_one_row_is_a_row(tmp_path):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    (tmp_path / "one.csv").write_text("a\n1\n")
    assert cli("sources", "add", tmp_path / "one.csv", "--name", "one", "--workspace", ws).stdout == "added one v1: 1 row, 1 column\n"
    assert cli("sources", "add", tmp_path / "one.csv", "--name", "one", "--workspace", ws).stdout == "unchanged, same content as one v1: 1 row, 1 column\n"
