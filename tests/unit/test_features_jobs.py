"""The features stage's jobs run in real worker processes: the proof (its result is the proof
JSON) and the online table's refresh; bad parameters are refused when submitted."""

import pytest

from studio import StudioError
from studio.jobs import FAILED, SUCCEEDED
from tests.unit.test_features_store import AGGREGATE, recipe_json, shops  # noqa: F401 - the fixture
from tests.unit.test_jobs import wait_for


def test_prove_job_returns_the_proof(shops):  # noqa: F811
    workspace, frame = shops
    job_id = workspace.features.submit_prove("events", "minutes", recipe=recipe_json())
    job = wait_for(workspace, job_id, (SUCCEEDED, FAILED))
    assert job.status == SUCCEEDED, job.error
    assert job.progress == 1.0 and job.title == "Prove features of events v1 for minutes"
    proof = job.result
    assert (proof["table"], proof["version"], proof["target"], proof["rows"]) == ("events", 1, "minutes", len(frame))
    names = {f["name"]: f for f in proof["features"]}
    assert {"distance", "weather", "shop", "orders_3d", "double_distance"} <= set(names)
    assert names["order"]["verdict"] == "reject" and any("identifier" in r for r in names["order"]["reasons"])
    assert proof == workspace.features.prove("events", "minutes", recipe=recipe_json())  # the same proof as in process


def test_prove_job_fails_with_one_line_for_an_unknown_target(shops):  # noqa: F811
    workspace, _frame = shops
    job = wait_for(workspace, workspace.features.submit_prove("events", "nope"), (SUCCEEDED, FAILED))
    assert job.status == FAILED and job.error.startswith("the table has no column 'nope' to predict")


def test_materialize_job_refreshes_the_online_table(shops):  # noqa: F811
    workspace, frame = shops
    workspace.features.save("delivery", recipe_json())
    job = wait_for(workspace, workspace.features.submit_materialize("delivery", as_of="2026-03-10"), (SUCCEEDED, FAILED))
    assert job.status == SUCCEEDED, job.error
    assert (job.result["name"], job.result["version"], job.result["origin"]["as_of"]) == ("delivery_online", 1, "2026-03-10 00:00:00")
    online = workspace.features.online_table("delivery")
    assert set(online["aggregate"]) == {AGGREGATE["name"]} and len(online) == frame["shop"].nunique()


def test_job_parameters_are_checked_when_submitted(shops):  # noqa: F811
    workspace, _frame = shops
    with pytest.raises(StudioError, match="job features.prove: unknown parameter 'tagret'"):
        workspace.jobs.submit("features.prove", {"table": "events", "tagret": "minutes"}, title="x", launch=False)
    with pytest.raises(StudioError, match="recipe columns.nope: events has no column 'nope'"):
        workspace.features.submit_prove("events", "minutes", recipe=recipe_json(columns={"nope": {"kind": "numeric"}}))
    workspace.features.save("delivery", recipe_json())
    with pytest.raises(StudioError, match="not a date or time"):
        workspace.features.submit_materialize("delivery", as_of="soon")
    assert workspace.jobs.list() == []
