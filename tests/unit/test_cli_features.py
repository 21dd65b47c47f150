"""``studio features``: check (the proof), save and the versions of a recipe, diff, apply,
materialize, delete; bad input is one ``error:`` line."""

import json

import pandas as pd
import pytest

from studio.features import FeatureRecipe
from tests.unit.test_cli import assert_one_error_line, cli, cli_json
from tests.unit.test_features_store import recipe_json, shops  # noqa: F401 - the fixture


@pytest.fixture
def ws(shops, tmp_path):  # noqa: F811
    """The shops workspace's folder, and a recipe file for it."""
    workspace, _frame = shops
    (tmp_path / "recipe.json").write_text(json.dumps(recipe_json()))
    return workspace.root


def test_check_proves_the_columns_as_they_are_or_a_recipe(ws, tmp_path):
    plain = cli_json("features", "check", "events", "--target", "minutes", "--workspace", ws)
    assert plain["table"] == "events" and plain["target"] == "minutes" and plain["split"]["method"] == "random"
    assert {f["name"] for f in plain["features"]} == {"order", "shop", "at", "distance", "weather"}
    for feature in plain["features"]:
        assert {"name", "verdict", "reasons", "mutual_info", "single_feature_score", "missing_rate", "cardinality", "psi"} <= set(feature)
    assert next(f for f in plain["features"] if f["name"] == "distance")["verdict"] == "accept"
    designed = cli_json("features", "check", "events", "--target", "minutes", "--recipe", tmp_path / "recipe.json", "--workspace", ws)
    assert designed["split"] == {"method": "time", "time_column": "at", "group_column": None}  # the recipe's time column
    assert {"orders_3d", "double_distance"} <= {f["name"] for f in designed["features"]}
    text = cli("features", "check", "events", "--target", "minutes", "--time-column", "at", "--workspace", ws).stdout.splitlines()
    assert text[0] == "events v1: 400 rows, proved on 400 for minutes (regression, r2; split by time on at)"
    assert text[1].split() == ["verdict", "feature", "mutual", "info", "score", "missing", "reasons"]
    assert text[2].split()[1] == "distance"  # strongest first
    assert any(line.split()[:2] == ["reject", "order"] and "identifier" in line for line in text)


def test_save_list_show_versions_diff_delete(ws, tmp_path):
    saved = cli_json("features", "save", tmp_path / "recipe.json", "--name", "delivery", "--table", "events", "--prove", "--workspace", ws)
    assert (saved["name"], saved["version"], saved["unchanged"], saved["designed_on"]) == ("delivery", 1, False, "events v1")
    assert sum(saved["verdicts"].values()) == 7  # every column but the target (order and at too), the expression, the aggregate
    again = cli("features", "save", tmp_path / "recipe.json", "--name", "delivery", "--workspace", ws).stdout
    assert again.startswith("delivery") and again.rstrip().endswith("(unchanged)")
    (tmp_path / "v2.json").write_text(json.dumps(recipe_json(rejected=["weather"], aggregates=[])))
    assert cli_json("features", "save", tmp_path / "v2.json", "--name", "delivery", "--workspace", ws)["version"] == 2
    assert [v["name"] for v in cli_json("features", "list", "--workspace", ws)] == ["delivery"]
    listed = cli("features", "list", "--workspace", ws).stdout
    assert listed.split()[:3] == ["delivery", "v2", "target"] and "no table recorded; not proved" in listed
    shown = cli_json("features", "show", "delivery", "--version", "1", "--workspace", ws)
    assert shown["spec"] == FeatureRecipe.from_json(recipe_json()).to_json()
    assert shown["proof"]["target"] == "minutes" and shown["origin"]["table"] == "events"
    text = cli("features", "show", "delivery", "--workspace", ws).stdout.splitlines()
    assert any(line.split()[:4] == ["column", "weather", "categorical", "rejected"] for line in text)
    assert any(line.split()[:3] == ["expression", "double_distance", "distance"] for line in text)
    assert [v["version"] for v in cli_json("features", "versions", "delivery", "--workspace", ws)] == [2, 1]
    diff = cli_json("features", "diff", "delivery", "1", "2", "--workspace", ws)
    assert diff["rejected"]["added"] == ["weather"] and [a["name"] for a in diff["aggregates"]["removed"]] == ["orders_3d"]
    assert cli("features", "diff", "delivery", "1", "2", "--workspace", ws).stdout.splitlines() == [
        "delivery v1 -> v2", "  - aggregate orders_3d", "  + rejected weather",
    ]
    refused = cli("features", "delete", "delivery", "--workspace", ws, check=False, input="n\n")
    assert refused.returncode == 1 and refused.stderr.strip().splitlines()[-1] == "error: not deleted (answer y, or pass --yes)"
    assert cli_json("features", "delete", "delivery", "--yes", "--workspace", ws) == {"name": "delivery", "deleted_versions": [2, 1]}
    assert cli("features", "list", "--workspace", ws).stdout.startswith("no feature recipes yet")


def test_apply_and_materialize(ws, tmp_path):
    cli("features", "save", tmp_path / "recipe.json", "--name", "delivery", "--workspace", ws)
    written = cli_json("features", "apply", "delivery", "events", "--out", tmp_path / "out.csv", "--workspace", ws)
    assert written["rows"] == 400 and written["path"] == str(tmp_path / "out.csv")
    assert list(pd.read_csv(tmp_path / "out.csv").columns) == written["columns"]
    assert_one_error_line(cli("features", "apply", "delivery", "events", "--out", tmp_path / "out.csv", "--workspace", ws, check=False), "already exists")
    text = cli("features", "apply", tmp_path / "recipe.json", "events", "--out", tmp_path / "out.csv", "--overwrite", "--workspace", ws).stdout
    assert text.startswith(f"wrote 400 rows x {len(written['columns'])} columns to {tmp_path / 'out.csv'}")
    refreshed = cli("features", "materialize", "delivery", "--as-of", "2026-03-05", "--workspace", ws).stdout
    assert refreshed == "delivery_online v1: 5 values as of 2026-03-05 00:00:00\n"
    assert cli_json("features", "materialize", "delivery", "--as-of", "2026-03-05", "--workspace", ws)["unchanged"] is True


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["check", "events", "--target", "nope"], "the table has no column 'nope' to predict"),
        (["check", "nothing", "--target", "minutes"], "no table 'nothing'"),
        (["check", "events", "--target", "minutes", "--recipe", "{tmp}/missing.json"], "missing.json: no such file"),
        (["check", "events", "--target", "minutes", "--recipe", "{tmp}/broken.json"], "not valid JSON"),
        (["check", "events", "--target", "minutes", "--recipe", "unsaved"], "no feature recipe 'unsaved'; `studio features list`"),
        (["save", "{tmp}/bad_column.json", "--name", "x", "--table", "events"], "recipe columns.nope: events has no column 'nope'"),
        (["save", "{tmp}/hostile.json", "--name", "x", "--table", "events"], "recipe expressions[0]: expression \"__import__('os').system('x')\": unexpected '.' at position 16"),
        (["save", "{tmp}/not_a_recipe.json", "--name", "x"], "recipe: unknown key 'steps'"),
        (["save", "{tmp}/recipe.json", "--name", "bad name"], "'bad name' is not a valid feature recipe name"),
        (["save", "{tmp}/recipe.json", "--name", "x", "--prove"], "--prove needs --table"),
        (["apply", "unsaved", "events", "--out", "{tmp}/out.parquet"], "no feature recipe 'unsaved'"),
        (["apply", "{tmp}/recipe.json", "events", "--out", "{tmp}/out.txt"], "apply writes .parquet or .csv"),
        (["diff", "unsaved", "1", "2"], "no feature recipe 'unsaved'"),
        (["materialize", "unsaved"], "no feature recipe 'unsaved'"),
    ],
)
def test_bad_input_is_one_error_line(ws, tmp_path, args, fragment):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "bad_column.json").write_text(json.dumps(recipe_json(columns={"nope": {"kind": "numeric"}})))
    (tmp_path / "hostile.json").write_text(json.dumps(recipe_json(expressions=[{"name": "x", "expr": "__import__('os').system('x')"}])))
    (tmp_path / "not_a_recipe.json").write_text(json.dumps({"target": "minutes", "steps": []}))
    result = cli("features", *[a.format(tmp=tmp_path) for a in args], "--workspace", ws, check=False)
    assert_one_error_line(result, fragment)
