"""The Models page under AppTest, on a workspace with two small versions of one model trained
in this process (v1 on every column, v2 blind to all but a column without signal): open a
version, its report computed by the job, run its tests, promote it behind its confirmation,
see the worse version's promotion blocked by the no-regression test, override it with a
written reason, roll back, archive, and read the audit log."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from studio import Workspace
from studio.jobs import JobContext
from tests.app.test_pages import app_workspace, open_page, texts, wait_jobs  # noqa: F401 - the fixture
from tests.unit.test_training_jobs import orders


@pytest.fixture
def two_versions(app_workspace, tmp_path) -> Workspace:  # noqa: F811
    orders(600).drop(columns=["cluster_id"]).to_csv(tmp_path / "orders.csv", index=False)
    app_workspace.sources.add_file(tmp_path / "orders.csv", "orders")
    app_workspace.features.save("blind", {"target": "minutes", "columns": {"items": {"kind": "numeric"}}}, table="orders")
    for recipe in (None, "blind"):
        app_workspace.runs.run(JobContext(), table="orders", target="minutes", recipe=recipe, trials=2, families=["linear"], model="eta")
    return app_workspace


def table(app: AppTest, *columns: str) -> pd.DataFrame:
    """The first table with these columns (AppTest does not expose a table's key)."""
    return next(d.value for d in app.dataframe if set(columns) <= set(d.value.columns))


def confirm(app: AppTest, opener: str) -> AppTest:
    """Open an action's confirmation dialog and confirm it."""
    app.button(key=opener).click().run()
    assert not app.exception, app.exception
    app.button(key="md_confirm_yes").click().run()
    assert not app.exception, app.exception
    return app


def test_open_validate_promote_block_override_roll_back_and_audit(two_versions):
    workspace = two_versions
    app = open_page("models")
    models = table(app, "model", "production", "staging")
    assert models["model"].tolist() == ["eta"] and models["versions"].tolist() == [2] and models["production"].tolist() == [""]
    assert app.selectbox(key="md_version_eta").value == 2  # no production yet: the newest
    app.selectbox(key="md_version_eta").select(1).run()
    assert "The report is computed once per version" in texts(app)  # its job was queued
    wait_jobs(workspace)
    app.run()
    assert workspace.reports.get("eta", 1) is not None
    assert len(app.get("plotly_chart")) >= 4  # predicted vs actual, residuals, importance, partial dependence...
    assert app.metric[0].label == "rmse"

    app.button(key="md_validate_eta_1").click().run()
    assert "8 of 8 tests passed" in texts(app)
    assert len(table(app, "test", "result", "threshold")) == 8

    app.button(key="md_promote").click().run()
    assert "Promote **eta v1** to production?" in texts(app)
    app.button(key="md_confirm_no").click().run()
    assert workspace.registry.holder("eta") is None  # cancelled: nothing ran
    confirm(app, "md_promote")
    assert "eta v1 is production." in [s.value for s in app.success]
    assert workspace.registry.holder("eta") == 1

    # The worse version: blocked by the no-regression test, then overridden with a reason.
    app.selectbox(key="md_version_eta").select(2).run()
    confirm(app, "md_promote")
    assert any("failed no_regression" in e.value and "override with a written reason (in the box below)" in e.value for e in app.error)
    assert workspace.registry.holder("eta") == 1
    # The blocked attempt is kept (the audit log), so production's view warns of it with the
    # failing test's value and threshold, and v2's view still offers the override.
    app.selectbox(key="md_version_eta").select(1).run()
    [warning] = [w.value for w in app.warning if "blocked" in w.value]
    assert "v2's promotion to production was blocked" in warning and "no_regression -" in warning and "(threshold 0)" in warning
    app.selectbox(key="md_version_eta").select(2).run()
    assert any("failed no_regression" in e.value for e in app.error) and not [w for w in app.warning if "blocked" in w.value]
    app.button(key="md_override").click().run()
    assert any("write why this version should be production" in e.value for e in app.error)
    app.text_area(key="md_reason").input("the new items feed needs v2's inputs").run()
    app.button(key="md_override").click().run()
    assert any("eta v2 is production by override (no_regression failed)." in s.value for s in app.success)
    assert workspace.registry.holder("eta") == 2

    confirm(app, "md_rollback")
    assert "production of eta is back at v1." in [s.value for s in app.success]
    assert workspace.registry.holder("eta") == 1
    confirm(app, "md_archive")
    assert "eta v2 is archived." in [s.value for s in app.success] and app.button(key="md_promote").disabled

    audit = table(app, "who", "action", "failed tests")
    assert audit["action"].tolist() == ["archive", "rollback", "override", "blocked", "promote"]
    assert audit["why"].tolist()[2] == "the new items feed needs v2's inputs" and audit["failed tests"].tolist()[3] == "no_regression"

    wait_jobs(workspace)  # v2's report, queued when it was opened
    app.run()
    assert "# Model card: eta, version 2" in texts(app)
    assert any(b.label == "Download eta_v2.md" for b in app.get("download_button"))
    compared = table(app, "", "v1", "v2")
    assert list(compared.columns) == ["", "v2", "v1"] and "holdout_score" in compared[""].tolist()
    lineage = table(app, "", "value").set_index("")
    assert lineage.loc["trained on", "value"] == "orders v1" and lineage.loc["feature recipe", "value"] == "blind v1"
    assert not app.exception, app.exception


def test_an_empty_workspace_says_where_models_come_from(app_workspace):  # noqa: F811
    app = open_page("models")
    assert "No models yet. Train one on the Train page" in texts(app)
