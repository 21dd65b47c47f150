"""Gated promotion and rollback (studio/registry/_registry.py, _gate.py): the suite runs on the
version's holdout with production as the reference, a worse challenger is blocked by the
no-regression test and a good one passes, a written reason overrides a failure (audited), the
result is the CLI's JSON, a promotion whose reference moved while its tests ran is refused, and
rollback steps back one version per call."""

import json

import pytest

from studio import StudioError
from tests.helpers.registry_models import SUITE, register

CONTRACT = {"model", "version", "alias", "tests", "promoted"}


def test_a_first_version_passes_and_becomes_production(workspace):
    register(workspace)
    result = workspace.registry.promote("churn", 1, actor="ann")
    assert (result.promoted, result.previous_version, result.overridden, result.alias) == (True, None, False, "production")
    payload = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert CONTRACT <= set(payload) and payload["promoted"] is True
    assert all({"name", "passed", "value", "threshold"} <= set(row) for row in payload["tests"])
    assert {row["name"] for row in result.tests} >= {"holdout_metric", "no_regression", "slice_floor"}
    skipped = next(row for row in result.tests if row["name"] == "no_regression")
    assert skipped["value"] is None and skipped["detail"].startswith("skipped:")  # nothing to compare with yet
    assert workspace.registry.holder("churn") == 1 and workspace.registry.get("churn").version == 1
    stored = workspace.registry.tests("churn", 1)
    assert stored.passed and stored.tests == result.tests and stored.id == result.test_run and stored.reference_version is None
    assert stored.spec["latency"] is False and stored.spec["no_regression"]["resamples"] == 200  # the suite kept with the version
    (entry,) = workspace.registry.audit("churn")
    assert (entry.action, entry.actor, entry.version, entry.alias) == ("promote", "ann", 1, "production")
    assert entry.tests == {"run_id": result.test_run, "passed": True, "total": len(result.tests), "failed": []}


def test_a_worse_challenger_is_blocked_by_the_no_regression_test(workspace):
    register(workspace), register(workspace, "worse")
    workspace.registry.promote("churn", 1)
    blocked = workspace.registry.promote("churn", 2, actor="bob")
    assert not blocked.promoted and blocked.failed == ["no_regression"] and blocked.previous_version == 1
    row = next(row for row in blocked.tests if row["name"] == "no_regression")
    assert row["value"] < row["threshold"] == 0 and "vs reference" in row["detail"]
    assert blocked.blocked_message() == (
        "model churn v2 failed no_regression, so it is not production; fix the model, or override with a written reason (--reason TEXT)"
    )
    assert workspace.registry.holder("churn") == 1
    assert workspace.registry.tests("churn", 2).reference_version == 1
    latest = workspace.registry.audit("churn")[0]
    assert (latest.action, latest.version, latest.previous_version, latest.reason) == ("blocked", 2, 1, None)
    assert latest.tests["failed"] == ["no_regression"]


def test_a_good_challenger_passes_against_production(workspace):
    register(workspace), register(workspace, "good_too")
    workspace.registry.promote("churn", 1)
    result = workspace.registry.promote("churn", 2)
    assert result.promoted and result.previous_version == 1 and workspace.registry.holder("churn") == 2
    row = next(row for row in result.tests if row["name"] == "no_regression")
    assert row["passed"] and row["value"] is not None  # compared with v1 this time


def test_a_written_reason_overrides_a_failure_and_is_audited(workspace):
    register(workspace), register(workspace, "worse")
    workspace.registry.promote("churn", 1)
    with pytest.raises(StudioError, match="the reason is empty"):
        workspace.registry.promote("churn", 2, reason=" ")
    result = workspace.registry.promote("churn", 2, reason="  needed for the EU launch;   v1 breaks on new cities ", actor="carol")
    assert result.promoted and result.overridden and result.failed == ["no_regression"]
    assert result.blocked_message() == "" and workspace.registry.holder("churn") == 2
    entry = workspace.registry.audit("churn")[0]
    assert (entry.action, entry.actor, entry.reason) == ("override", "carol", "needed for the EU launch; v1 breaks on new cities")
    assert entry.tests["passed"] is False and entry.tests["failed"] == ["no_regression"]


def test_promoting_the_version_that_holds_the_alias_changes_nothing(workspace):
    register(workspace)
    first = workspace.registry.promote("churn", 1)
    again = workspace.registry.promote("churn", 1)
    assert again.promoted and again.unchanged and again.tests == first.tests and again.test_run == first.test_run
    assert len(workspace.registry.audit("churn")) == 1


def test_staging_promotions_run_the_gate_too_and_validate_only_stores_the_result(workspace):
    register(workspace), register(workspace, "worse")
    workspace.registry.promote("churn", 1)
    assert not workspace.registry.promote("churn", 2, alias="staging").promoted
    run = workspace.registry.validate("churn", 2, suite={**SUITE, "no_regression": False})
    assert run.passed and run.reference_version is None and "no_regression" not in [row["name"] for row in run.tests]
    assert workspace.registry.tests("churn", 2).id == run.id
    assert workspace.registry.aliases("churn") == {"production": 1}
    assert [e.action for e in workspace.registry.audit("churn")] == ["blocked", "promote"]  # a validation moves nothing


def test_a_suite_that_cannot_run_blocks_like_a_failed_test(workspace):
    register(workspace, holdout=False)
    result = workspace.registry.promote("churn", 1)
    assert not result.promoted and result.failed == ["suite"]
    assert "has no holdout rows kept; train it again to evaluate it" in result.tests[0]["detail"]
    with pytest.raises(StudioError, match=r"suite.latency.max_ms_per_record: expected a number"):
        workspace.registry.promote("churn", 1, suite={"latency": {"max_ms_per_record": "fast"}})


def test_rollback_steps_back_one_version_per_call(workspace):
    for kind in ("good", "good_too", "worse"):
        register(workspace, kind)
    registry = workspace.registry
    with pytest.raises(StudioError, match="production of model churn has no earlier version to roll back to"):
        registry.rollback("churn")
    registry.promote("churn", 1)
    registry.promote("churn", 2)
    registry.promote("churn", 3, reason="try it")
    first = registry.rollback("churn", actor="dan", reason="v3 misbehaves")
    assert (first.action, first.version, first.previous_version, first.actor, first.reason) == ("rollback", 2, 3, "dan", "v3 misbehaves")
    assert registry.holder("churn") == 2
    assert registry.rollback("churn").version == 1 and registry.holder("churn") == 1
    with pytest.raises(StudioError, match="no earlier version"):
        registry.rollback("churn")
    registry.set_alias("churn", 3, "staging")
    registry.clear_alias("churn", "staging")
    undone = registry.rollback("churn", "staging")  # a clear is undone like any move
    assert undone.version == 3 and registry.aliases("churn") == {"production": 1, "staging": 3}


def test_rollback_refuses_an_archived_version(workspace):
    register(workspace), register(workspace, "good_too")
    workspace.registry.set_alias("churn", 1, "staging")
    workspace.registry.set_alias("churn", 2, "staging")
    workspace.registry.archive("churn", 1)
    with pytest.raises(StudioError, match="model churn v1 is archived, so it cannot get an alias; unarchive it first"):
        workspace.registry.rollback("churn", "staging")
    assert workspace.registry.holder("churn", "staging") == 2


def test_a_promotion_is_refused_when_production_moved_while_its_tests_ran(workspace, monkeypatch):
    from studio.registry import _registry

    register(workspace), register(workspace, "good_too")
    real = _registry.run_gate
    calls = []

    def racing(models, candidate, reference, spec):
        calls.append(candidate.version)
        if len(calls) == 1:  # another promotion lands while this one's suite runs
            workspace.registry.promote("churn", 2)
        return real(models, candidate, reference, spec)

    monkeypatch.setattr(_registry, "run_gate", racing)
    with pytest.raises(StudioError, match="production of model churn moved to v2 while the tests ran; promote again"):
        workspace.registry.promote("churn", 1)
    assert workspace.registry.holder("churn") == 2
    assert [e.action for e in workspace.registry.audit("churn")] == ["promote"]  # the refused one left nothing
    assert workspace.registry.tests("churn", 1) is None
