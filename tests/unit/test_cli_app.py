"""``studio init`` and ``studio demo`` (``studio app`` is started by the browser tests)."""

from studio.cli.app import demo_text
from tests.unit.test_cli import cli, cli_json
from tests.unit.test_cli_json import shape

DEMO_SOURCES = ["orders", "restaurants_a", "restaurants_b", "couriers"]
DEMO_DATASETS = ["restaurants", "couriers_clean", "orders_clean", "delivery_training"]
DEMO_JSON = [
    "datasets[].clusters: int", "datasets[].dataset: str", "datasets[].members: null|str", "datasets[].members_version: int|null",
    "datasets[].rows_in: int", "datasets[].rows_out: int", "datasets[].stats.clusters: int", "datasets[].stats.duplicates_removed: int",
    "datasets[].stats.fuzzy.config.blocking[][]: str", "datasets[].stats.fuzzy.config.comparisons[].column: str",
    "datasets[].stats.fuzzy.config.comparisons[].kind: str", "datasets[].stats.fuzzy.config.max_comparisons: int",
    "datasets[].stats.fuzzy.config.seed: int", "datasets[].stats.fuzzy.config.threshold: float",
    "datasets[].stats.fuzzy.fixed_probabilities: null", "datasets[].stats.fuzzy.labels_used: int",
    "datasets[].stats.fuzzy.pairs_linked: int", "datasets[].stats.fuzzy.pairs_scored: int", "datasets[].stats.fuzzy.weight_histogram[].pairs: int",
    "datasets[].stats.fuzzy.weight_histogram[].weight_from: float", "datasets[].stats.fuzzy.weight_histogram[].weight_to: float",
    "datasets[].stats.inputs[].rows: int", "datasets[].stats.inputs[].table: str", "datasets[].stats.inputs[].version: int",
    "datasets[].stats.largest_cluster: int", "datasets[].stats.rows_in: int", "datasets[].stats.warnings: []", "datasets[].unchanged: bool", "datasets[].version: int",
    "sources[].bytes: int", "sources[].columns[].name: str", "sources[].columns[].type: str", "sources[].content_hash: str",
    "sources[].created_at: float", "sources[].name: str", "sources[].origin.encoding: str", "sources[].origin.file: str",
    "sources[].origin.file_bytes: int", "sources[].origin.format: str", "sources[].origin.kind: str", "sources[].origin.options: {}",
    "sources[].origin.path: str", "sources[].origin.query: null", "sources[].origin.table: str", "sources[].origin.url: str",
    "sources[].rows: int", "sources[].unchanged: bool", "sources[].version: int", "workspace: str",
]


def test_init_creates_and_then_reopens_a_workspace(tmp_path):
    ws = tmp_path / "ws"
    assert cli("init", "--workspace", ws).stdout == f"workspace ready at {ws}\n"
    assert cli_json("init", "--workspace", ws)["sources"] == 0  # again: migrates, keeps what is there


def test_demo_builds_its_sources_and_datasets(tmp_path):
    """One build of the demo (a few seconds): its JSON is pinned like every command's, and what
    it made is in the workspace."""
    ws = tmp_path / "ws"
    document = cli_json("demo", "--workspace", ws)
    assert shape(document) == DEMO_JSON
    assert [s["name"] for s in document["sources"]] == DEMO_SOURCES
    assert [d["dataset"] for d in document["datasets"]] == DEMO_DATASETS
    assert all(item["version"] == 1 and not item["unchanged"] for item in document["sources"] + document["datasets"])
    assert sorted(s["name"] for s in cli_json("sources", "list", "--workspace", ws)) == sorted(DEMO_SOURCES)
    datasets = {d["name"]: d["rows"] for d in cli_json("datasets", "list", "--workspace", ws)}
    assert {d["dataset"]: d["rows_out"] for d in document["datasets"]}.items() <= datasets.items()
    lines = demo_text(document).splitlines()
    assert lines[0] == f"demo workspace at {ws}" and len(lines) == 1 + len(DEMO_SOURCES) + len(DEMO_DATASETS)
    orders = document["sources"][0]["rows"]
    assert lines[1] == f"  source  {'orders':<22} v1  {orders:>9,} rows"


def test_demo_lines_say_row_for_one(tmp_path):
    result = {"workspace": "ws", "sources": [{"name": "tiny", "version": 1, "rows": 1}], "datasets": [{"dataset": "d", "version": 2, "rows_out": 0}]}
    assert demo_text(result).splitlines()[1:] == [f"  source  {'tiny':<22} v1          1 row", f"  dataset {'d':<22} v2          0 rows"]
