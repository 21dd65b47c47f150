"""``studio datasets diff`` and ``lineage``: what changed between versions, and where a
version came from."""

from pathlib import Path

import pandas as pd
import pytest

from studio import Workspace
from studio.datasets import Recipe
from tests.unit.test_cli import assert_one_error_line, cli, cli_json


@pytest.fixture
def ws(tmp_path: Path, files: dict[str, Path]) -> Path:
    """copy v1 from orders v1; copy v2 from orders v2, where row 1's amount changed, row 100
    is gone and a row 101 came."""
    workspace = Workspace.init(tmp_path / "ws")
    recipe = Recipe.from_json({"name": "copy", "output": "copy", "inputs": ["orders"], "id": "id"})
    workspace.sources.add_file(files["csv"], "orders")
    workspace.datasets.build(recipe, save=True)
    frame = pd.read_csv(files["csv"])
    frame.loc[0, "amount"] = 99.5
    frame = pd.concat([frame[frame["id"] != 100], frame[frame["id"] == 99].assign(id=101)])
    frame.to_csv(tmp_path / "orders_v2.csv", index=False)
    workspace.sources.add_file(tmp_path / "orders_v2.csv", "orders")
    workspace.datasets.build(recipe)
    return workspace.root


def test_diff_counts_rows_and_columns_by_key(ws):
    document = cli_json("datasets", "diff", "copy", "1", "2", "--workspace", ws)
    assert document["key"] == ["id"]  # the recipe's id, unique in both versions
    counts = {k: document[f"rows_{k}"] for k in ("added", "removed", "changed", "unchanged")}
    assert counts == {"added": 1, "removed": 1, "changed": 1, "unchanged": 98}
    assert {c: n for c, n in document["changed_by_column"].items() if n} == {"amount": 1}
    assert [row["id"] for row in document["samples"]["added"]] == [101]
    assert [row["id"] for row in document["samples"]["removed"]] == [100]
    assert document["samples"]["changed"] == [
        {"id": 1, "source (old)": "orders", "source (new)": "orders", "city (old)": "Paris", "city (new)": "Paris",
         "amount (old)": 0.5, "amount (new)": 99.5, "when (old)": "2026-01-01", "when (new)": "2026-01-01"},
    ]
    assert cli("datasets", "diff", "copy", "1", "2", "--workspace", ws).stdout.splitlines() == [
        "copy v1 -> v2 (key: id)",
        "  rows: +1 added, -1 removed, ~1 changed, 98 unchanged",
        "  amount: 1 changed",
    ]


def test_diff_by_a_given_key(ws):
    """Keyed on every column, a changed row no longer matches: it counts as removed and added."""
    document = cli_json("datasets", "diff", "copy", "1", "2", "--key", "id,source,city,amount,when", "--workspace", ws)
    assert (document["rows_added"], document["rows_removed"], document["rows_changed"]) == (2, 2, 0)
    assert_one_error_line(cli("datasets", "diff", "copy", "1", "2", "--key", "nope", "--workspace", ws, check=False), "key column 'nope' is not in both versions")


def test_diff_with_a_missing_version_points_at_the_versions(ws):
    for old, new in (("1", "7"), ("7", "2")):
        assert_one_error_line(
            cli("datasets", "diff", "copy", old, new, "--workspace", ws, check=False),
            "error: copy has no version 7; `studio datasets versions copy` lists its versions",
        )
    assert_one_error_line(cli("datasets", "diff", "ghost", "1", "2", "--workspace", ws, check=False), "no dataset 'ghost'; `studio datasets list`")


def test_lineage_follows_a_version_back_to_its_source_version(ws):
    assert cli("datasets", "lineage", "copy", "--workspace", ws).stdout.splitlines() == ["recipe copy  ->  copy v2", "orders v2  ->  recipe copy"]
    assert cli("datasets", "lineage", "copy", "--version", "1", "--workspace", ws).stdout.splitlines() == [
        "recipe copy  ->  copy v1", "orders v1  ->  recipe copy",
    ]
    graph = cli_json("datasets", "lineage", "copy", "--workspace", ws)
    assert {(n["label"], n["kind"]) for n in graph["nodes"]} == {("copy v2", "dataset"), ("recipe copy", "recipe"), ("orders v2", "source")}
    ids = {n["label"]: n["id"] for n in graph["nodes"]}
    assert graph["edges"] == [[ids["recipe copy"], ids["copy v2"]], [ids["orders v2"], ids["recipe copy"]]]
    assert_one_error_line(cli("datasets", "lineage", "copy", "--version", "5", "--workspace", ws, check=False), "copy has no version 5")


def test_lineage_says_a_deleted_input_is_gone(ws, files):
    Workspace.open(ws).datasets.delete_recipe("copy")  # a saved recipe would keep orders from deletion
    cli("sources", "delete", "orders", "--yes", "--workspace", ws)
    assert cli("datasets", "lineage", "copy", "--workspace", ws).stdout.splitlines() == ["recipe copy  ->  copy v2", "orders v2 (deleted)  ->  recipe copy"]
