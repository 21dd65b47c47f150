"""The table commands sources and datasets share: show, versions, preview, rename, delete,
export; each is run on both kinds."""

from pathlib import Path

import pandas as pd
import pytest

from studio import Workspace
from studio.cli._tables import column_line
from studio.datasets import Recipe
from tests.unit.test_cli import assert_one_error_line, cli, cli_json


@pytest.fixture
def ws(tmp_path: Path, files: dict[str, Path]) -> Path:
    """orders (a source) and copy (a dataset built from it), two versions each: v2 of orders
    changes the first row's amount."""
    workspace = Workspace.init(tmp_path / "ws")
    recipe = Recipe.from_json({"name": "copy", "output": "copy", "inputs": ["orders"], "id": "id"})
    workspace.sources.add_file(files["csv"], "orders")
    workspace.datasets.build(recipe)
    changed = tmp_path / "orders_v2.csv"
    frame = pd.read_csv(files["csv"])
    frame.loc[0, "amount"] = 99.5
    frame.to_csv(changed, index=False)
    workspace.sources.add_file(changed, "orders")
    workspace.datasets.build(recipe)
    return workspace.root


KINDS = pytest.mark.parametrize(("group", "name"), [("sources", "orders"), ("datasets", "copy")])


@KINDS
def test_show_prints_each_column_as_its_type_holds_it(ws, group, name):
    lines = {line.split()[0]: line for line in cli(group, "show", name, "--workspace", ws).stdout.splitlines()[1:]}
    assert "distinct 100  min 1  max 100" in lines["id"]  # BIGINT: whole, though the profile holds doubles
    assert "min 1.0  max 99.5" in lines["amount"]  # DOUBLE: a whole 1.0 stays a double
    assert "distinct 3  length min 4  max 5" in lines["city"]  # text: the lengths, and said so
    assert "min 2026-01-01  max 2026-04-10" in lines["when"]
    assert "≈" not in "".join(lines.values())  # every count of a small table is exact


def test_column_lines_mark_estimates_and_keep_whole_doubles_doubles():
    column = {"name": "n", "type": "DOUBLE", "null_fraction": 0.0, "distinct": 3000000, "min": 0.0, "max": 240.0}
    assert column_line(column, exact_distinct=False) == "  n                        DOUBLE       nulls   0.0%  distinct≈3000000  min 0.0  max 240.0"
    count = {"name": "k", "type": "UBIGINT", "null_fraction": 0.5, "distinct": 2, "min": 0.0, "max": 7.0}
    assert column_line(count, exact_distinct=True).endswith("nulls  50.0%  distinct 2  min 0  max 7")
    blob = {"name": "b", "type": "BLOB", "null_fraction": 1.0}
    assert column_line(blob, exact_distinct=True) == "  b                        BLOB         nulls 100.0%"
    for empty in ({"type": "BIGINT", "min": None, "max": None}, {"type": "VARCHAR", "min_length": None, "max_length": None}):
        assert column_line({"name": "e", "null_fraction": 1.0, "distinct": 0, **empty}, exact_distinct=True).endswith("nulls 100.0%  distinct 0")


@KINDS
def test_versions_newest_first(ws, group, name):
    lines = cli(group, "versions", name, "--workspace", ws).stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [["v2", "100", "rows"], ["v1", "100", "rows"]]
    assert [v["version"] for v in cli_json(group, "versions", name, "--workspace", ws)] == [2, 1]


@KINDS
def test_preview_of_the_newest_or_a_given_version(ws, group, name):
    newest = cli_json(group, "preview", name, "--limit", "2", "--workspace", ws)
    amount = newest["columns"].index("amount")
    assert len(newest["rows"]) == 2 and newest["rows"][0][amount] == 99.5
    assert cli_json(group, "preview", name, "--limit", "2", "--version", "1", "--workspace", ws)["rows"][0][amount] == 0.5
    text = cli(group, "preview", name, "--limit", "2", "--workspace", ws).stdout.splitlines()
    assert len(text) == 3 and "amount" in text[0] and "99.5" in text[1]


@KINDS
def test_rename_then_delete(ws, group, name, tmp_path):
    noun = group[:-1]
    assert cli(group, "rename", name, "renamed", "--workspace", ws).stdout == f"renamed {name} to renamed\n"
    assert_one_error_line(cli(group, "show", name, "--workspace", ws, check=False), f"no {noun} '{name}'")
    assert cli_json(group, "show", "renamed", "--workspace", ws)["versions"] == [2, 1]
    refused = cli(group, "delete", "renamed", "--workspace", ws, input="n\n", check=False)
    assert refused.returncode == 1 and "delete renamed and its 2 versions?" in refused.stderr
    assert cli(group, "delete", "renamed", "--yes", "--workspace", ws).stdout == "deleted renamed (2 versions)\n"
    assert "renamed" not in [t["name"] for t in cli_json(group, "list", "--workspace", ws)]


@KINDS
def test_a_missing_version_points_at_the_versions(ws, group, name, tmp_path):
    hint = f"{name} has no version 9; `studio {group} versions {name}` lists its versions"
    for command in (["show", name], ["preview", name], ["export", name, tmp_path / "out.csv"]):
        assert_one_error_line(cli(group, *command, "--version", "9", "--workspace", ws, check=False), hint)
    assert not (tmp_path / "out.csv").exists()
    assert_one_error_line(cli(group, "show", "ghost", "--version", "1", "--workspace", ws, check=False), f"`studio {group} list` shows the")


def test_one_row_one_version(tmp_path):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    (tmp_path / "one.csv").write_text("a,b\n1,2\n")
    cli("sources", "add", tmp_path / "one.csv", "--name", "one", "--workspace", ws)
    assert cli("sources", "list", "--workspace", ws).stdout.split()[:6] == ["one", "v1", "1", "row", "2", "columns"]
    assert cli("sources", "show", "one", "--workspace", ws).stdout.startswith("one v1: 1 row, 2 columns")
    assert cli("sources", "delete", "one", "--yes", "--workspace", ws).stdout == "deleted one (1 version)\n"
