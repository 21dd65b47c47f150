"""The Models journey in headless Chromium, on two versions of one model trained beforehand in
this process (v1 on every column, v2 blind to all but a column without signal): open v1, run
its tests, promote it, see v2's promotion blocked by the no-regression test (with the value and
threshold that blocked it, also from production's view), override it with a reason, roll back."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from studio import Workspace
from studio.jobs import JobContext
from tests.e2e.conftest import after_run, idle, script_runs, shoot
from tests.e2e.test_consolidate_journey import click, pick
from tests.helpers.servers import app_server
from tests.unit.test_training_jobs import orders

pytestmark = pytest.mark.e2e
SLOW = 120_000  # ms: an action that runs the test suite in its callback, on a busy machine


@pytest.fixture(scope="module")
def two_versions_url(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("models")
    orders(600).drop(columns=["cluster_id"]).to_csv(folder / "orders.csv", index=False)
    workspace = Workspace.init(folder / "ws")
    workspace.sources.add_file(folder / "orders.csv", "orders")
    workspace.features.save("blind", {"target": "minutes", "columns": {"items": {"kind": "numeric"}}}, table="orders")
    for recipe in (None, "blind"):
        workspace.runs.run(JobContext(), table="orders", target="minutes", recipe=recipe, trials=2, families=["linear"], model="eta")
    with app_server(workspace.root) as url:
        yield url


def reports_done(page: Page) -> None:
    """Wait until the report jobs this tab queued (one per version opened) have ended: while one
    runs, its poller reruns the page every second and its end reruns the whole app, which
    would swallow a click on a dialog drawn meanwhile."""
    expect(page.locator('[class*="st-key-cancel_line_"]')).to_have_count(0, timeout=SLOW)
    expect(page.get_by_text("The report is computed once per version")).to_have_count(0, timeout=SLOW)
    idle(page)


def confirm(page: Page, opener: str, confirmation: str) -> None:
    """Open an action's confirmation dialog and confirm it."""
    click(page, page.get_by_role("button", name=opener))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    click(page, dialog.get_by_role("button", name=confirmation))


def test_open_test_promote_see_the_block_override_and_roll_back(page: Page, two_versions_url: str) -> None:
    page.goto(f"{two_versions_url}/models")
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    reports_done(page)
    pick(page, "Version", "v1")
    reports_done(page)
    page.get_by_role("tab", name="Tests").click()
    click(page, page.get_by_role("button", name="Run the tests"))
    expect(page.get_by_text(re.compile(r"^(\d+) of \1 tests passed$"))).to_be_visible(timeout=SLOW)

    confirm(page, "Promote to production…", "Run the tests and promote")
    expect(page.get_by_text("eta v1 is production.")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("button", name="Promote to production…")).to_be_disabled()

    pick(page, "Version", "v2")
    confirm(page, "Promote to production…", "Run the tests and promote")
    expect(page.get_by_text(re.compile(r"model eta v2 failed no_regression, so it is not production"))).to_be_visible(timeout=SLOW)
    pick(page, "Version", "v1 (production)")
    warning = page.get_by_test_id("stAlert").filter(has_text="v2's promotion to production was blocked")
    expect(warning).to_contain_text(re.compile(r"no_regression -[\d.]+ \(threshold 0\)"))
    shoot(page, "models-blocked")

    pick(page, "Version", "v2")
    reason = page.get_by_label("Tests failed: override with a written reason")
    reason.fill("the new items feed needs v2's inputs")
    runs = script_runs(page)
    reason.press("Control+Enter")  # commits the text (a rerun) before the button is clicked
    after_run(page, runs)
    click(page, page.get_by_role("button", name="Override and promote"))
    expect(page.get_by_text("eta v2 is production by override (no_regression failed).")).to_be_visible(timeout=SLOW)

    confirm(page, "Roll back production…", "Roll back")
    expect(page.get_by_text("production of eta is back at v1.")).to_be_visible(timeout=SLOW)
    audit = page.get_by_test_id("stDataFrame").last
    expect(audit).to_be_visible()
    shoot(page, "models-rolled-back")
