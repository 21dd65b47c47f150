"""``studio sql``: read-only SQL over the lake, and what it says when rows were left out."""

from pathlib import Path

import pytest

from studio import Workspace
from tests.unit.test_cli import assert_one_error_line, cli, cli_json


@pytest.fixture
def ws(tmp_path: Path, files: dict[str, Path]) -> Path:
    workspace = Workspace.init(tmp_path / "ws")
    workspace.sources.add_file(files["csv"], "orders")  # 100 rows
    return workspace.root


def test_sql_command(ws):
    result = cli_json("sql", "SELECT count(*) AS n FROM orders", "--workspace", ws)
    assert result == {"columns": ["n"], "rows": [[100]], "truncated": False}
    assert len(cli_json("sql", "FROM orders", "--limit", "3", "--workspace", ws)["rows"]) == 3
    assert_one_error_line(cli("sql", "SELECT * FROM read_csv('/etc/passwd')", "--workspace", ws, check=False), "reaches outside the lake")
    assert_one_error_line(cli("sql", "ATTACH 'x.db'", "--workspace", ws, "--json", check=False), "ATTACH is not allowed")


@pytest.mark.parametrize(("limit", "rows", "truncated"), [(101, 100, False), (100, 100, False), (99, 99, True), (1, 1, True)])
def test_truncated_only_when_rows_were_left_out(ws, limit, rows, truncated):
    document = cli_json("sql", "SELECT * FROM orders", "--limit", limit, "--workspace", ws)
    assert (len(document["rows"]), document["truncated"]) == (rows, truncated)
    text = cli("sql", "SELECT * FROM orders", "--limit", limit, "--workspace", ws).stdout
    assert text.endswith(f"(first {rows} row{'s' if rows > 1 else ''})\n") is truncated
