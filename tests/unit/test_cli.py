"""The CLI contract: --workspace everywhere, --json prints one document, errors are one line."""

import json
import os
import subprocess
import sys


def studio(*args, check=True, input=None, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "studio.cli", *map(str, args)],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def studio_json(*args):
    return json.loads(studio(*args, "--json").stdout)


def assert_one_error_line(result, fragment):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_sources_contract(tmp_path, files):
    ws = tmp_path / "ws"
    assert studio_json("init", "--workspace", ws)["sources"] == 0
    added = studio_json("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    assert {"name", "version", "rows", "columns"} <= set(added)
    assert added["name"] == "orders" and added["version"] == 1 and added["rows"] == 100
    assert added["columns"][0] == {"name": "id", "type": "BIGINT"}
    db = studio_json("sources", "add", "--db", f"sqlite:///{files['sqlite']}", "--table", "orders", "--name", "orders_db", "--workspace", ws)
    assert db["rows"] == 100 and db["version"] == 1
    query = studio_json("sources", "add", "--db", f"sqlite:///{files['sqlite']}", "--query", "SELECT id FROM orders LIMIT 7", "--name", "few", "--workspace", ws)
    assert query["rows"] == 7
    typed = studio_json("sources", "add", files["tsv"], "--name", "typed", "--format", "tsv", "--type", "id=VARCHAR", "--workspace", ws)
    assert typed["columns"][0] == {"name": "id", "type": "VARCHAR"}
    listed = studio_json("sources", "list", "--workspace", ws)
    assert [s["name"] for s in listed] == ["few", "orders", "orders_db", "typed"]
    assert all({"name", "version", "rows"} <= set(s) for s in listed)
    shown = studio_json("sources", "show", "orders", "--workspace", ws)
    assert shown["profile"]["rows"] == 100 and shown["versions"] == [1]
    city = next(c for c in shown["profile"]["columns"] if c["name"] == "city")
    assert city["nulls"] == 25
    out = tmp_path / "out.csv"
    studio("sources", "export", "orders", out, "--workspace", ws)
    assert out.read_text().splitlines()[0] == "id,city,amount,when"
    studio("sources", "export", "orders", tmp_path / "out.parquet", "--workspace", ws)
    assert (tmp_path / "out.parquet").stat().st_size > 0
    assert_one_error_line(studio("sources", "export", "orders", out, "--workspace", ws, check=False), "already exists")
    studio("sources", "export", "orders", out, "--overwrite", "--workspace", ws)
    assert studio_json("sources", "rename", "few", "seven", "--workspace", ws)["name"] == "seven"
    preview = studio_json("sources", "preview", "seven", "--limit", "3", "--workspace", ws)
    assert preview["columns"] == ["id"] and len(preview["rows"]) == 3


def test_skipped_bad_rows_are_counted_in_the_message(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3\n4,5,6\n7,8\n")
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    assert_one_error_line(studio("sources", "add", path, "--name", "ragged", "--workspace", ws, check=False), "ragged.csv: line 3 has 1 fields")
    added = studio("sources", "add", path, "--name", "ragged", "--bad-rows", "skip", "--workspace", ws)
    assert "added ragged v1: 2 rows, 2 columns; 2 bad rows skipped" in added.stdout


def test_preview_json_is_strict_json_with_nulls_and_numbers(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    studio("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    text = studio("sources", "preview", "orders", "--limit", "100", "--json", "--workspace", ws).stdout

    def no_nan(constant):
        raise AssertionError(f"{constant} is not JSON")

    document = json.loads(text, parse_constant=no_nan)
    city, identity = document["columns"].index("city"), document["columns"].index("id")
    assert sum(row[city] is None for row in document["rows"]) == 25
    assert [row[identity] for row in document["rows"][:3]] == [1, 2, 3]
    assert "min 1  max 100" in studio("sources", "show", "orders", "--workspace", ws).stdout  # not 1.0 / 100.0


def test_workspace_from_environment_and_default(tmp_path, files):
    ws = tmp_path / "env_ws"
    studio("init", env={"STUDIO_WORKSPACE": str(ws)})
    studio("sources", "add", files["parquet"], "--name", "p", env={"STUDIO_WORKSPACE": str(ws)})
    assert [s["name"] for s in studio_json("sources", "list", "--workspace", ws)] == ["p"]


def test_delete_asks_for_confirmation(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    studio("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    refused = studio("sources", "delete", "orders", "--workspace", ws, input="n\n", check=False)
    assert refused.returncode == 1 and "not deleted" in refused.stderr
    assert len(studio_json("sources", "list", "--workspace", ws)) == 1
    studio("sources", "delete", "orders", "--workspace", ws, input="y\n")
    assert studio_json("sources", "list", "--workspace", ws) == []
    studio("sources", "add", files["csv"], "--name", "again", "--workspace", ws)
    # No answer at all (stdin closed) is a refusal too, as one error line; --json keeps stdout clean.
    unanswered = studio("sources", "delete", "again", "--json", "--workspace", ws, input="", check=False)
    assert unanswered.returncode == 1 and unanswered.stdout == "" and unanswered.stderr.strip().splitlines()[-1] == "error: not deleted (answer y, or pass --yes)"
    assert "Aborted" not in unanswered.stderr
    assert studio_json("sources", "delete", "again", "--yes", "--workspace", ws)["deleted_versions"] == [1]


def test_errors_are_one_line_on_stderr(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert_one_error_line(studio("sources", "add", empty, "--name", "e", "--workspace", ws, "--json", check=False), "empty.csv: the file is empty")
    assert_one_error_line(studio("sources", "add", "--name", "e", "--workspace", ws, check=False), "give a file PATH")
    assert_one_error_line(studio("sources", "add", files["csv"], "--db", "sqlite:///x", "--table", "t", "--name", "e", "--workspace", ws, check=False), "not both")
    assert_one_error_line(studio("sources", "add", "--db", "sqlite:///x.db", "--name", "e", "--workspace", ws, check=False), "exactly one of --table or --query")
    assert_one_error_line(studio("sources", "add", files["csv"], "--name", "e", "--type", "nonsense", "--workspace", ws, check=False), "a column type is COLUMN=TYPE (e.g. zip=VARCHAR), not 'nonsense'")
    assert_one_error_line(studio("sources", "show", "ghost", "--workspace", ws, check=False), "no source 'ghost'")
    assert_one_error_line(studio("sources", "list", "--workspace", tmp_path / "nowhere", check=False), "no workspace at")
    assert_one_error_line(studio("jobs", "show", "999", "--workspace", ws, check=False), "no job 999")
    assert_one_error_line(studio("settings", "max_source_mb", "huge", "--workspace", ws, check=False), "whole number")
    assert_one_error_line(studio("sources", "export", "ghost", tmp_path / "x.csv", "--workspace", ws, check=False), "no source 'ghost'")


def test_settings_command(tmp_path):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    assert studio_json("settings", "--workspace", ws)["max_source_mb"] == 4096
    assert studio_json("settings", "max_source_mb", "100", "--workspace", ws)["max_source_mb"] == 100


def test_sql_command(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    studio("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    result = studio_json("sql", "SELECT count(*) AS n FROM orders", "--workspace", ws)
    assert result == {"columns": ["n"], "rows": [[100]], "truncated": False}
    assert len(studio_json("sql", "FROM orders", "--limit", "3", "--workspace", ws)["rows"]) == 3
    assert_one_error_line(studio("sql", "SELECT * FROM read_csv('/etc/passwd')", "--workspace", ws, check=False), "reaches outside the lake")
    assert_one_error_line(studio("sql", "ATTACH 'x.db'", "--workspace", ws, "--json", check=False), "ATTACH is not allowed")
