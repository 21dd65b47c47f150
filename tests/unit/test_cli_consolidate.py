"""``studio consolidate``: a saved recipe printed by ``show`` is a file ``run`` accepts."""

import json

from tests.unit.test_cli import cli, cli_json

RECIPE = {
    "name": "clean_orders",
    "output": "clean_orders",
    "inputs": [{"table": "orders", "columns": {"order_id": "id", "town": "city", "amount": "amount", "placed": "when"}}],
    "schema": [{"name": "order_id", "type": "VARCHAR"}, {"name": "town", "type": None}, {"name": "amount", "type": "DOUBLE"}, {"name": "placed", "type": None}],
    "normalize": [{"column": "town", "steps": [{"op": "trim"}, {"op": "case", "to": "upper"}]}],
    "sql": "SELECT * FROM input WHERE amount > 1",
    "dedupe": {"method": "exact", "keys": ["town"], "survivorship": {"newest_by": "placed"}},
    "id": "order_id",
}


def test_show_prints_a_recipe_that_runs_again(tmp_path, files):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    cli("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    (tmp_path / "recipe.json").write_text(json.dumps(RECIPE))
    built = cli_json("consolidate", "run", tmp_path / "recipe.json", "--workspace", ws)
    assert (built["dataset"], built["version"], built["rows_out"]) == ("clean_orders", 1, 28)  # 3 towns, and 25 rows without one (NULL keys never match)
    shown = cli("consolidate", "show", "clean_orders", "--workspace", ws).stdout
    (tmp_path / "shown.json").write_text(shown)
    again = cli_json("consolidate", "run", tmp_path / "shown.json", "--workspace", ws)
    assert (again["dataset"], again["version"], again["unchanged"]) == ("clean_orders", 1, True)
    # What show prints is the whole recipe: run after the saved one is gone, it saves it again.
    cli("consolidate", "delete", "clean_orders", "--yes", "--workspace", ws)
    assert cli_json("consolidate", "run", tmp_path / "shown.json", "--workspace", ws)["unchanged"] is True
    assert cli("consolidate", "show", "clean_orders", "--workspace", ws).stdout == shown
    assert json.loads(shown)["normalize"] == [{"column": "town", "steps": [{"op": "trim"}, {"op": "case", "to": "upper"}]}]


def test_fuzzy_dedupe_of_a_small_table_says_its_probabilities_were_fixed(tmp_path):
    """Too few rows for EM: the model falls back to fixed probabilities, identical records
    still link, and the CLI says so in a warning line (and in stats.warnings)."""
    people = tmp_path / "people.csv"
    rows = [("1", "Eve Black", "eve@x.org"), ("2", "Eve Black", "eve@x.org"), ("3", "Tom Hill", "tom@y.org"), ("4", "Ann Lee", "ann@z.org")]
    people.write_text("id,name,email\n" + "".join(f"{i},{n},{e}\n" for i, n, e in rows))
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    cli("sources", "add", people, "--name", "people", "--workspace", ws)
    result = cli("dedupe", "--source", "people", "--id", "id", "--out", "persons", "--fuzzy", "--quiet", "--workspace", ws)
    assert "4 rows in, 3 rows out" in result.stdout
    assert any(line.startswith("warning: ") and "fixed" in line for line in result.stdout.splitlines())
    document = cli_json("dedupe", "--source", "people", "--id", "id", "--out", "persons", "--fuzzy", "--workspace", ws)
    assert document["unchanged"] and any("fixed" in w for w in document["stats"]["warnings"])
