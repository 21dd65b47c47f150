"""The model card: generated Markdown with every section, from the report, tests, signature
and lineage of a version."""

import pytest
from sklearn.linear_model import LogisticRegression

from studio.evaluation import evaluation_report, model_card, run_suite
from studio.models import input_signature
from tests.helpers.pipelines import fit, frame


@pytest.fixture(scope="module")
def parts():
    train, holdout = frame(800, "binary", seed=1), frame(400, "binary", seed=2)
    pipeline = fit(LogisticRegression(), train)
    report = evaluation_report(pipeline, holdout, "y", "binary", importance_rows=200, dependence_rows=50)
    tests = run_suite(pipeline, holdout, "y", "binary", {"latency": False, "holdout": {"floor": 0.999}})
    return report, tests, input_signature(train, "y")


def test_card_has_every_section_with_the_facts(parts):
    report, tests, signature = parts
    lineage = {"dataset": "delivery_training", "dataset_version": 3, "recipe": "delivery v2", "run": "run-7", "seed": 42}
    card = model_card("delivery_time", 4, report=report, tests=tests, signature=signature, lineage=lineage, description="Late-delivery risk.")
    headings = [line for line in card.splitlines() if line.startswith("#")]
    assert headings[0] == "# Model card: delivery_time, version 4"
    for section in ("## Intended use", "## Data", "## Features", "## Metrics", "## Slices", "## Tests", "## Limitations"):
        assert section in headings
    assert "Late-delivery risk." in card and "Predicts `y` (binary)" in card
    assert "| dataset | delivery_training |" in card and "| run | run-7 |" in card
    assert "| city | categorical | str | yes | no | 3 categories: Lyon, Nice, Paris |" in card
    assert f"| **roc_auc** | {report['metrics']['roc_auc']:.4g} | 0.5 |" in card
    assert "400 rows" in card
    passed = sum(row["passed"] for row in tests)
    assert f"{passed} of {len(tests)} tests passed." in card and "| holdout_metric | **FAIL** |" in card
    assert "- Failed test holdout_metric: ROC AUC" in card
    assert "are extrapolations" in card
    limitations = card.split("## Limitations")[1]
    assert "Weaker on signal" not in limitations, "a range of a predictive column is not named as a weakness"


def test_card_without_facts_says_what_is_missing():
    card = model_card("empty", 1)
    assert "No lineage was recorded." in card and "No input signature was recorded." in card
    assert "No evaluation report was computed." in card and "The test suite has not been run." in card
    assert card.endswith("\n") and "## Limitations" in card


def test_card_cells_cannot_break_the_table():
    card = model_card("m", 1, lineage={"note": "a | b\nc", "params": {"depth": 3}}, limitations=["Not for refunds."])
    assert "| note | a \\| b c |" in card and '| params | {"depth": 3} |' in card and "- Not for refunds." in card
