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
