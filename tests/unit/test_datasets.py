"""Datasets built by recipes: alignment, union and join, custom SQL, exact dedupe, versions,
lineage, diff, atomic registration, and the CLI contract."""

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import Workspace
from studio.datasets import Recipe, name_similarity, suggest_mapping
from studio.errors import StudioError
from tests.unit.test_cli import assert_one_error_line, studio, studio_json

PARTNER = pd.DataFrame(
    {
        "restaurant_id": ["R1", "R2", "R3", "R4"],
        "name": ["Luigi's Pizza", "Taco Town", "Sushi Go", "Curry House"],
        "zip": ["10001", "10002", "10003", "10004"],
        "avg_prep_minutes": [12.0, 9.5, 15.0, 20.0],
    }
)
CRM = pd.DataFrame(
    {
        "merchant_code": ["M-1", "M-2", "M-3"],
        "merchant_name": ["LUIGI'S PIZZA", "Taco Town", "Burger Barn"],
        "postcode": ["10001", "10002", "10009"],
        "rating": [4.5, None, 3.9],
    }
)


@pytest.fixture
def two_sources(workspace, tmp_path):
    PARTNER.to_parquet(tmp_path / "partner.parquet", index=False)
    CRM.to_csv(tmp_path / "crm.csv", index=False)
    workspace.sources.add_file(tmp_path / "partner.parquet", "partner")
    workspace.sources.add_file(tmp_path / "crm.csv", "crm")
    return workspace


def aligned_recipe(workspace, **extra):
    tables = [(t.name, t.columns) for t in (workspace.sources.get("partner"), workspace.sources.get("crm"))]
    mapping = suggest_mapping(tables)
    spec = {"name": "restaurants", "output": "restaurants", "inputs": mapping["inputs"], "schema": mapping["schema"], "id": "restaurant_id"}
    return Recipe.from_json({**spec, **extra})


def test_exact_golden_is_in_cluster_order_when_a_sql_step_reorders_the_rows(two_sources):
    """The golden rows are written in scan order when the scan is in row-id order; a SQL step
    that reorders them is caught and the rows are sorted instead: the same table either way."""
    dedupe = {"method": "exact", "keys": ["zip"], "survivorship": {"source_priority": ["crm", "partner"]}}
    two_sources.datasets.build(aligned_recipe(two_sources, dedupe=dedupe))
    reordered = {"name": "reordered", "output": "reordered", "sql": "SELECT * FROM input ORDER BY _row_id DESC"}
    two_sources.datasets.build(aligned_recipe(two_sources, dedupe=dedupe, **reordered))
    plain, shuffled = (two_sources.datasets.preview(name, 100) for name in ("restaurants", "reordered"))
    assert list(plain["cluster_id"]) == sorted(plain["cluster_id"]) and len(plain) == 5
    assert plain.equals(shuffled)
    assert plain.set_index("zip").loc["10001", ["source", "cluster_size"]].tolist() == ["crm", 2]


def test_names_are_matched_by_meaning():
    assert name_similarity("zip", "postcode") == 1.0
    assert name_similarity("restaurant_id", "merchant_code") > name_similarity("restaurant_id", "merchant_name")
    assert name_similarity("cuisine", "cuisine_type") == 1.0


def test_suggested_mapping_aligns_the_two_systems(two_sources):
    recipe = aligned_recipe(two_sources)
    crm = recipe.inputs[1].columns
    assert crm["restaurant_id"] == "merchant_code" and crm["name"] == "merchant_name" and crm["zip"] == "postcode"
    assert crm["avg_prep_minutes"] is None and crm["rating"] == "rating"
    assert recipe.inputs[0].columns["rating"] is None


def test_union_normalize_exact_dedupe_and_members_cover_every_row(two_sources):
    recipe = aligned_recipe(
        two_sources,
        normalize=[{"column": "name", "steps": [{"op": "case", "to": "lower"}, {"op": "strip_punctuation"}]}],
        dedupe={"method": "exact", "keys": ["name", "zip"], "survivorship": {"source_priority": ["crm", "partner"], "aggregate": {"rating": "first_non_null", "avg_prep_minutes": "max"}}},
    )
    result = two_sources.datasets.build(recipe)
    assert (result.stats["rows_in"], result.dataset.rows, result.stats["clusters"]) == (7, 5, 5)
    golden = two_sources.datasets.preview("restaurants", 100)
    luigi = golden[golden["name"] == "luigis pizza"].iloc[0]
    assert luigi["source"] == "crm" and luigi["cluster_size"] == 2
    assert luigi["rating"] == 4.5 and luigi["avg_prep_minutes"] == 12.0  # aggregated across the cluster
    members = two_sources.datasets.preview("restaurants_members", 100)
    assert list(members.columns) == ["source", "restaurant_id", "cluster_id", "match_probability"]
    assert len(members) == 7 and members.groupby(["source", "restaurant_id"]).size().max() == 1
    assert set(members["cluster_id"]) == set(golden["cluster_id"])


def test_rerun_is_unchanged_and_new_source_version_makes_new_dataset_version_with_lineage(two_sources, tmp_path):
    recipe = aligned_recipe(two_sources, dedupe={"method": "exact", "keys": ["zip"]})
    first = two_sources.datasets.build(recipe)
    assert two_sources.datasets.build(recipe).unchanged
    CRM.assign(rating=[5.0, 4.0, 3.0]).to_csv(tmp_path / "crm.csv", index=False)
    two_sources.sources.add_file(tmp_path / "crm.csv", "crm")
    assert two_sources.datasets.stale_inputs(two_sources.datasets.get("restaurants")) == [{"table": "crm", "built_from": 1, "newest": 2}]
    second = two_sources.datasets.build(recipe)
    assert two_sources.datasets.stale_inputs(second.dataset) == []
    assert (first.dataset.version, second.dataset.version) == (1, 2)
    assert {(i["table"], i["version"]) for i in second.dataset.origin["inputs"]} == {("partner", 1), ("crm", 2)}
    assert second.dataset.origin["recipe_hash"] == recipe.spec_hash() and second.dataset.origin["spec"]["output"] == "restaurants"
    graph = two_sources.datasets.lineage("restaurants")
    labels = {n["label"] for n in graph["nodes"]}
    assert {"restaurants v2", "recipe restaurants", "partner v1", "crm v2"} <= labels
    diff = two_sources.datasets.diff("restaurants", 1, 2, key=["zip"])
    assert (diff.rows_added, diff.rows_removed) == (0, 0) and diff.rows_changed >= 1 and diff.changed_by_column["rating"] >= 1
    whole = two_sources.datasets.diff("restaurants", 1, 2, key=[])
    assert whole.rows_added == whole.rows_removed >= 1


def test_join_combines_inputs_on_keys(two_sources):
    recipe = Recipe.from_json(
        {
            "output": "joined",
            "inputs": [
                {"table": "partner", "columns": {"zip": "zip", "name": "name"}},
                {"table": "crm", "columns": {"zip": "postcode", "rating": "rating"}},
            ],
            "combine": {"how": "join", "on": ["zip"], "join": "left"},
        }
    )
    two_sources.datasets.build(recipe)
    frame = two_sources.datasets.preview("joined", 10)
    assert list(frame.columns) == ["source", "zip", "name", "rating"] and len(frame) == 4
    assert frame.set_index("zip").loc["10001", "rating"] == 4.5


def test_custom_sql_step_runs_sandboxed(two_sources, tmp_path):
    recipe = aligned_recipe(two_sources, sql="SELECT * FROM input WHERE zip <> '10009'", dedupe={"method": "exact", "keys": ["zip"]})
    result = two_sources.datasets.build(recipe)
    assert result.stats["rows_in"] == 6 and result.dataset.rows == 4
    # Lake tables are visible by name inside the SQL step...
    joined = aligned_recipe(two_sources, sql="SELECT i.* FROM input i WHERE i.zip IN (SELECT zip FROM partner)")
    assert two_sources.datasets.build(joined).dataset.rows == 6
    # ... files are not, and nothing is written when the step is refused.
    (tmp_path / "secret.csv").write_text("a\n1\n")
    for query, message in [
        (f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')", "outside the lake"),
        ("ATTACH 'x.db'", "ATTACH is not allowed"),
        ("SET threads = 1", "SET is not allowed"),
        ("INSTALL httpfs", "INSTALL and LOAD"),
    ]:
        with pytest.raises(StudioError, match=message):
            two_sources.datasets.build(aligned_recipe(two_sources, output="refused", sql=query))
    assert [d.name for d in two_sources.datasets.list()] == ["restaurants", "restaurants_members"]
    assert not list(two_sources.lake.tmp_dir.glob("*.parquet"))


def test_a_failed_registration_leaves_neither_table(two_sources, monkeypatch):
    import studio.tables

    calls = {"n": 0}
    original = studio.tables.TableStore._commit_version

    def fail_on_members(self, connection, name, *args):
        calls["n"] += 1
        if name.endswith("_members"):
            raise RuntimeError("disk on fire")
        return original(self, connection, name, *args)

    monkeypatch.setattr(studio.tables.TableStore, "_commit_version", fail_on_members)
    with pytest.raises(RuntimeError):
        two_sources.datasets.build(aligned_recipe(two_sources, dedupe={"method": "exact", "keys": ["zip"]}))
    assert calls["n"] == 2 and two_sources.datasets.list() == []
    assert len(list(two_sources.lake.tables_dir.glob("*.parquet"))) == 2  # the two sources only


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"output": "x"}, "give at least one input"),
        ({"output": "bad name", "inputs": ["partner"]}, "not a valid dataset name"),
        ({"output": "x", "inputs": ["nope"]}, "no source or dataset 'nope'"),
        ({"output": "x", "inputs": [{"table": "partner", "columns": {"a": "missing"}}]}, "no column 'missing'"),
        ({"output": "x", "inputs": ["partner"], "dedupe": {"method": "magic"}}, "method must be one of"),
        ({"output": "x", "inputs": ["partner"], "dedupe": {"method": "exact"}}, "needs \"keys\""),
        ({"output": "x", "inputs": ["partner"], "combine": {"how": "join"}}, "a join needs two or more inputs"),
        ({"output": "x", "inputs": ["partner"], "schema": [{"name": "zip", "type": "INTEGER"}], "sql": "SELECT 1"}, None),
        ({"output": "partner", "inputs": ["crm"]}, "is the name of a source"),
        ({"output": "x", "inputs": ["partner"], "extra": 1}, "recipe: unknown key 'extra'"),
        ({"output": "x", "inputs": ["partner", "partner"]}, "'partner' is listed twice"),
        ({"output": "x", "inputs": ["partner", "crm"], "id": "restaurant_id"}, "crm has no column 'restaurant_id' \\(the id column\\)"),
        ({"output": "x", "inputs": [{"table": "partner", "columns": {"name": "name"}, "schema": []}]}, "unknown key 'schema'"),
        ({"output": "x", "inputs": [{"table": "partner", "columns": {"n": "name"}}], "schema": [{"name": "n", "type": "INTEGER"}]}, "pick another type"),
    ],
)
def test_bad_recipes_get_one_line_and_write_nothing(two_sources, spec, message):
    if message is None:  # a valid cast and a SELECT without _row_id build a dataset
        built = two_sources.datasets.build(Recipe.from_json(spec))
        assert (built.dataset.name, built.dataset.rows) == ("x", 1)
        columns, rows = two_sources.datasets.preview_rows("x")
        assert [row[columns.index("1")] for row in rows] == [1]
        return
    with pytest.raises(StudioError, match=message) as info:
        two_sources.datasets.build(Recipe.from_json(spec))
    assert "\n" not in str(info.value)
    assert two_sources.datasets.list() == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(0, 3), st.sampled_from(["x", "y", None])), min_size=1, max_size=30),
    keys=st.sampled_from([["k"], ["k", "n"], ["v"]]),
)
def test_every_input_row_maps_to_exactly_one_cluster(tmp_path_factory, rows, keys):
    workspace = Workspace.init(tmp_path_factory.mktemp("ws"))
    path = tmp_path_factory.mktemp("in") / "t.parquet"
    pd.DataFrame(rows, columns=["k", "n", "v"]).assign(id=range(len(rows))).to_parquet(path, index=False)
    workspace.sources.add_file(path, "t")
    result = workspace.datasets.build(Recipe.from_json({"output": "d", "inputs": ["t"], "id": "id", "dedupe": {"method": "exact", "keys": keys}}))
    members = workspace.datasets.preview("d_members", 1000)
    golden = workspace.datasets.preview("d", 1000)
    assert sorted(members["id"]) == list(range(len(rows)))
    assert set(members["cluster_id"]) == set(golden["cluster_id"]) and len(golden) == result.stats["clusters"]
    assert golden["cluster_size"].sum() == len(rows)
    # Idempotent: deduplicating the golden table again on the same keys changes no row.
    workspace.datasets.build(Recipe.from_json({"output": "d2", "inputs": ["d"], "id": "id", "dedupe": {"method": "exact", "keys": keys}}))
    again = workspace.datasets.preview("d2", 1000)
    columns = ["source", "k", "n", "v", "id"]
    assert again[columns].equals(golden[columns]) and (again["cluster_size"] == 1).all()


def test_cli_contract(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    studio("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    studio("sources", "add", files["parquet"], "--name", "orders_b", "--workspace", ws)
    document = studio_json("dedupe", "--source", "orders", "--source", "orders_b", "--id", "id", "--out", "orders_clean", "--exact", "id", "--workspace", ws)
    assert {k: document[k] for k in ("rows_in", "rows_out", "clusters", "dataset", "version")} == {
        "rows_in": 200, "rows_out": 100, "clusters": 100, "dataset": "orders_clean", "version": 1
    }
    assert [d["name"] for d in studio_json("datasets", "list", "--workspace", ws)] == ["orders_clean", "orders_clean_members"]
    query = studio_json("sql", "SELECT count(*) AS n, count(DISTINCT cluster_id) AS c FROM orders_clean_members", "--workspace", ws)
    assert query == {"columns": ["n", "c"], "rows": [[200, 100]], "truncated": False}
    shown = studio_json("datasets", "show", "orders_clean", "--workspace", ws)
    assert shown["origin"]["inputs"][0]["table"] == "orders" and shown["profile"]["rows"] == 100
    studio("datasets", "export", "orders_clean", tmp_path / "out.csv", "--workspace", ws)
    assert len(pd.read_csv(tmp_path / "out.csv")) == 100
    recipe = {"name": "by_city", "output": "cities", "inputs": ["orders"], "dedupe": {"method": "exact", "keys": ["city"]}, "id": "id"}
    (tmp_path / "recipe.json").write_text(json.dumps(recipe))
    ran = studio_json("consolidate", "run", tmp_path / "recipe.json", "--workspace", ws)
    # 3 cities, and the 25 rows without a city stay apart: a NULL key matches nothing.
    assert (ran["dataset"], ran["rows_out"], ran["members"]) == ("cities", 3 + 25, "cities_members")
    assert [r["name"] for r in studio_json("consolidate", "recipes", "--workspace", ws)] == ["by_city"]
    assert studio_json("consolidate", "run", tmp_path / "recipe.json", "--workspace", ws)["unchanged"] is True
    assert_one_error_line(studio("dedupe", "--source", "orders", "--id", "id", "--out", "x", "--workspace", ws, check=False), "choose one of --exact")
    assert_one_error_line(studio("dedupe", "--source", "nope", "--id", "id", "--out", "x", "--exact", "id", "--workspace", ws, check=False), "no source or dataset 'nope'")
    (tmp_path / "broken.json").write_text("{not json")
    assert_one_error_line(studio("consolidate", "run", tmp_path / "broken.json", "--workspace", ws, check=False), "not valid JSON")
    assert_one_error_line(studio("datasets", "show", "nope", "--workspace", ws, check=False), "no dataset 'nope'")


def test_exact_summary_says_which_rule_removed_each_duplicate(tmp_path):
    workspace = Workspace.init(tmp_path / "ws")
    pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "key": ["a", "a", "b", "b", "c", "c"],
            "updated": [2, 1, 5, 5, 7, 7],
            "phone": [None, "1", None, "2", "3", "3"],
        }
    ).to_parquet(tmp_path / "t.parquet", index=False)
    workspace.sources.add_file(tmp_path / "t.parquet", "t")
    recipe = Recipe.from_json(
        {"output": "d", "inputs": ["t"], "id": "id", "dedupe": {"method": "exact", "keys": ["key"], "survivorship": {"newest_by": "updated", "most_complete": True}}}
    )
    with workspace.datasets.pipeline(recipe) as pipeline:
        summary = pipeline.exact_summary()
    # a: newer row 1 wins; b: tie on updated, row 4 has more values; c: full tie, input order.
    assert summary == {"rows": 6, "clusters": 3, "removed": 3, "removed_by": {"newest_by": 1, "most_complete": 1, "input order": 1}}
    assert workspace.datasets.build(recipe).stats["duplicates_removed"] == 3
    assert list(workspace.datasets.preview("d")["id"]) == [1, 4, 5]


def test_cli_fuzzy_dedupe_with_suggested_settings_and_a_config_file(tmp_path):
    from studio.demo import write_demo_files

    ws = tmp_path / "ws"
    paths = write_demo_files(tmp_path / "demo")
    studio("init", "--workspace", ws)
    studio("sources", "add", paths["restaurants_a"], "--name", "partner", "--workspace", ws)
    document = studio_json("dedupe", "--source", "partner", "--id", "restaurant_id", "--out", "partner_resolved", "--fuzzy", "--workspace", ws)
    assert document["rows_in"] == 533 and document["dataset"] == "partner_resolved" and document["version"] == 1
    assert document["clusters"] == document["rows_out"] and 0 < document["rows_out"] <= 533
    assert document["stats"]["fuzzy"]["config"]["comparisons"]  # suggested from the data
    members = studio_json("sql", "SELECT count(*), count(DISTINCT restaurant_id), min(match_probability) FROM partner_resolved_members", "--workspace", ws)
    assert members["rows"][0][:2] == [533, 533] and members["rows"][0][2] > 0
    config = {"comparisons": [{"column": "name", "kind": "name"}, {"column": "address", "kind": "string"}], "blocking": [["zip"]], "threshold": 0.95}
    (tmp_path / "fuzzy.json").write_text(json.dumps(config))
    again = studio_json("dedupe", "--source", "partner", "--id", "restaurant_id", "--out", "partner_resolved", "--fuzzy", "--config", tmp_path / "fuzzy.json", "--threshold", "0.99", "--workspace", ws)
    assert again["stats"]["fuzzy"]["config"]["threshold"] == 0.99 and again["stats"]["fuzzy"]["config"]["blocking"] == [["zip"]]
    repeated = studio_json("dedupe", "--source", "partner", "--id", "restaurant_id", "--out", "partner_resolved", "--fuzzy", "--config", tmp_path / "fuzzy.json", "--threshold", "0.99", "--workspace", ws)
    assert repeated["unchanged"] is True and repeated["version"] == again["version"]  # same clusters, same bytes: no new version
    (tmp_path / "bad.json").write_text(json.dumps({**config, "comparisons": [{"column": "name", "kind": "soundex"}]}))
    bad = studio("dedupe", "--source", "partner", "--id", "restaurant_id", "--out", "x", "--fuzzy", "--config", tmp_path / "bad.json", "--quiet", "--workspace", ws, check=False)
    assert_one_error_line(bad, "kind must be one of")
    tight = {**config, "max_comparisons": 10}
    (tmp_path / "tight.json").write_text(json.dumps(tight))
    refused = studio("dedupe", "--source", "partner", "--id", "restaurant_id", "--out", "x", "--fuzzy", "--config", tmp_path / "tight.json", "--quiet", "--workspace", ws, check=False)
    assert_one_error_line(refused, "more than max_comparisons (10)")
    assert [d["name"] for d in studio_json("datasets", "list", "--workspace", ws)] == ["partner_resolved", "partner_resolved_members"]


def test_a_recipe_cannot_take_over_another_recipes_dataset_or_change_its_output(two_sources):
    store = two_sources.datasets
    store.build(aligned_recipe(two_sources, dedupe={"method": "exact", "keys": ["zip"]}), save=True)
    for output in ("restaurants", "restaurants_members"):
        with pytest.raises(StudioError, match=f"dataset '{output}' is built by recipe 'restaurants'"):
            store.build(Recipe.from_json({"name": "hijack", "output": output, "inputs": ["crm"]}))
    with pytest.raises(StudioError, match="recipe 'restaurants' builds 'restaurants'; give the recipe a new name"):
        store.build(aligned_recipe(two_sources, output="restaurants_v2"), save=True)
    assert [d.name for d in store.list()] == ["restaurants", "restaurants_members"]
    assert store.get("restaurants").version == 1 and store.recipe("restaurants").output == "restaurants"


def test_review_survives_threshold_changes_and_diff_keys_default_sensibly(two_sources, tmp_path):
    from studio.datasets import review_key

    fuzzy = {"method": "fuzzy", "config": {"comparisons": [{"column": "name", "kind": "name"}], "blocking": [["zip"]], "threshold": 0.9}}
    lower = {**fuzzy, "config": {**fuzzy["config"], "threshold": 0.6}, "threshold": 0.6, "labels": [{"left": ["crm", "M-1"], "right": ["partner", "R1"], "match": True}]}
    assert review_key(aligned_recipe(two_sources, dedupe=fuzzy)) == review_key(aligned_recipe(two_sources, dedupe=lower))
    assert review_key(aligned_recipe(two_sources, dedupe=fuzzy)) != review_key(aligned_recipe(two_sources, dedupe={**fuzzy, "config": {**fuzzy["config"], "blocking": [["name"]]}}))
    plain = Recipe.from_json({"output": "partners", "inputs": ["partner"], "id": "restaurant_id"})
    two_sources.datasets.build(plain)
    PARTNER.assign(avg_prep_minutes=[1.0, 9.5, 15.0, 20.0]).to_parquet(tmp_path / "partner.parquet", index=False)
    two_sources.sources.add_file(tmp_path / "partner.parquet", "partner")
    two_sources.datasets.build(plain)
    diff = two_sources.datasets.diff("partners", 1, 2)
    assert diff.key == ["restaurant_id"] and (diff.rows_changed, diff.rows_added, diff.rows_removed) == (1, 0, 0)


def test_renaming_a_table_a_saved_recipe_names_is_refused_and_lineage_follows_renames(two_sources):
    store = two_sources.datasets
    store.build(aligned_recipe(two_sources, dedupe={"method": "exact", "keys": ["zip"]}), save=True)
    reader = {"name": "cities", "output": "cities", "inputs": ["restaurants"], "sql": "SELECT * FROM input JOIN crm ON crm.postcode = input.zip"}
    store.build(Recipe.from_json(reader), save=True)
    for table, recipes in (("partner", "restaurants"), ("restaurants", "cities, restaurants"), ("crm", "cities, restaurants"), ("restaurants_members", "restaurants")):
        kind = two_sources.sources if table in ("partner", "crm") else store
        with pytest.raises(StudioError, match=f"{table} is named by recipes? {recipes}; renaming it would break"):
            kind.rename(table, "renamed")
    assert two_sources.sources.get("partner").name == "partner"
    # Once no saved recipe names it, the table can be renamed; lineage still finds it, by id.
    store.delete_recipe("cities")
    store.delete_recipe("restaurants")
    two_sources.sources.rename("partner", "partner_system")
    labels = {node["label"] for node in store.lineage("restaurants")["nodes"]}
    assert {"partner_system v1", "crm v1", "restaurants v1"} <= labels
    assert not any("deleted" in label for label in labels)


def test_deleting_a_table_a_saved_recipe_reads_is_refused_and_recipes_can_be_deleted(two_sources, tmp_path):
    store = two_sources.datasets
    store.build(aligned_recipe(two_sources, dedupe={"method": "exact", "keys": ["zip"]}), save=True)
    store.build(Recipe.from_json({"name": "cities", "output": "cities", "inputs": ["restaurants"], "sql": "SELECT * FROM input JOIN crm ON crm.postcode = input.zip"}), save=True)
    with pytest.raises(StudioError, match=r"crm is read by recipes cities, restaurants; deleting it would break them.*studio consolidate delete NAME"):
        two_sources.sources.delete("crm")
    with pytest.raises(StudioError, match="restaurants is read by recipe cities"):
        store.delete("restaurants")
    # A recipe's own output may go (building the recipe makes it again); its readers keep it.
    assert store.delete("cities") == [1]
    ws = two_sources.root
    listed = studio("consolidate", "recipes", "--workspace", ws).stdout
    assert "cities" in listed and "inputs: restaurants; its SQL reads crm" in listed
    assert_one_error_line(studio("consolidate", "delete", "ghost", "--yes", "--workspace", ws, check=False), "no recipe 'ghost'")
    studio("consolidate", "delete", "cities", "--yes", "--workspace", ws)
    assert [r["name"] for r in store.recipes()] == ["restaurants"]
    assert store.delete("restaurants") == [1]  # now nothing reads it


def test_recipe_names_ignore_case_like_table_names(two_sources):
    store = two_sources.datasets
    store.save_recipe(Recipe.from_json({"name": "Cities", "output": "cities", "inputs": ["partner"]}))
    store.save_recipe(Recipe.from_json({"name": "cities", "output": "cities", "inputs": ["partner", "crm"]}))
    assert [r["name"] for r in store.recipes()] == ["Cities"]  # one recipe; the first spelling stays
    assert [i.table for i in store.recipe("CITIES").inputs] == ["partner", "crm"]  # the second save replaced it
    store.delete_recipe("cITies")
    assert store.recipes() == []
    with pytest.raises(StudioError, match="no recipe 'cities'"):
        store.recipe("cities")
