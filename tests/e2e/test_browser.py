"""The real app in headless Chromium: upload a CSV, see its profile, reload, nothing lost; the
Overview and Jobs pages. Each test makes what it needs itself, so any one runs alone."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from studio import Workspace
from tests.e2e.conftest import after_run, idle, script_runs, settled, shoot
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser_workspace(tmp_path_factory) -> Workspace:
    return Workspace.init(tmp_path_factory.mktemp("e2e") / "ws")


@pytest.fixture(scope="module")
def app_url(browser_workspace: Workspace) -> Iterator[str]:
    with app_server(browser_workspace.root) as url:
        yield url


@pytest.fixture
def a_source(browser_workspace: Workspace, tmp_path: Path) -> str:
    """One source in the workspace, whatever ran before: 'aaa_first', listed first."""
    if not any(s.name == "aaa_first" for s in browser_workspace.sources.list()):
        csv = tmp_path / "first.csv"
        csv.write_text("a,b\n1,x\n2,y\n")
        browser_workspace.sources.add_file(csv, "aaa_first")
    return "aaa_first"


def open_add_panel(page: Page) -> None:
    """Open the Sources page's add panel unless it is open already (it starts open only on an
    empty workspace)."""
    settled(page)
    idle(page)
    panel = page.locator('[data-testid="stExpander"]').filter(has=page.get_by_text("Add a source", exact=True)).first
    dropzone = panel.locator('[data-testid="stFileUploaderDropzone"]')
    # Whether it is open is the <details> element's state: the dropzone inside an open panel may
    # not be drawn yet, and clicking then would close it.
    if not panel.locator("details").first.evaluate("details => details.open"):
        runs = script_runs(page)
        panel.get_by_text("Add a source", exact=True).click()  # the panel's state is kept: a run
        after_run(page, runs)
    expect(dropzone).to_be_visible()


def test_upload_a_csv_and_see_its_profile(page: Page, app_url: str, tmp_path: Path, a_source: str) -> None:
    rng = np.random.default_rng(1)
    csv = tmp_path / "Deliveries 2026.csv"
    pd.DataFrame(
        {"order": np.arange(5000), "minutes": rng.normal(30, 8, 5000).round(1), "city": rng.choice(["Paris", "Lyon", None], 5000)}
    ).to_csv(csv, index=False)

    page.goto(f"{app_url}/sources")
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    open_add_panel(page)
    page.locator('input[type="file"]').set_input_files(str(csv))
    name_field = page.get_by_label("Source name").first
    expect(name_field).to_have_value("deliveries_2026")
    page.locator('button:has-text("Add source"):visible').first.click()

    # The outcome shows under the add panel, where the click was; the new source is selected
    # (a_source is listed before it) and the uploader has forgotten the file.
    done = page.locator(".st-key-outcome_add_source").get_by_text("Add Deliveries 2026.csv as deliveries_2026: done")
    expect(done).to_be_visible(timeout=90_000)
    expect(page.get_by_text("deliveries_2026  ·  v1")).to_be_visible()
    expect(page.get_by_test_id("stFileUploaderFile")).to_have_count(0)
    expect(name_field).to_have_value("")
    expect(page.get_by_text("Missing values per column")).to_be_visible(timeout=90_000)
    # 'order' counts 0 to 4,999, each once: a key, said in words instead of a flat histogram.
    expect(page.get_by_text("Every value of order is distinct (0 to 4,999): it looks like a key.")).to_be_visible()
    shoot(page, "sources-profile")

    # A reload is a new session (the first source is shown): the source and its profile stay.
    page.reload()
    settled(page)
    idle(page)
    page.get_by_role("combobox", name="Source").click()
    runs = script_runs(page)
    page.get_by_role("option", name="deliveries_2026", exact=True).click()
    after_run(page, runs)
    expect(page.get_by_text("deliveries_2026  ·  v1")).to_be_visible()
    expect(page.get_by_text("Missing values per column")).to_be_visible()


def test_bad_upload_shows_one_line_and_adds_nothing(page: Page, app_url: str, tmp_path: Path, browser_workspace: Workspace) -> None:
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 20)
    before = [s.name for s in browser_workspace.sources.list()]
    page.goto(f"{app_url}/sources")
    open_add_panel(page)
    page.locator('input[type="file"]').set_input_files(str(bad))
    expect(page.get_by_label("Source name").first).to_have_value("garbage")
    page.locator('button:has-text("Add source"):visible').first.click()
    # .first: while the page reruns, the poller's line and the finished line can both show briefly.
    expect(page.get_by_text("garbage.csv as garbage: looks like a binary file").first).to_be_visible(timeout=60_000)  # the file named once
    expect(page.get_by_text("garbage.csv as garbage: looks like a binary file")).to_have_count(1, timeout=30_000)  # once settled
    expect(page.get_by_text("Traceback")).to_have_count(0)
    assert [s.name for s in browser_workspace.sources.list()] == before


def test_overview_and_jobs_show_the_work(page: Page, app_url: str, browser_workspace: Workspace, a_source: str) -> None:
    browser_workspace.jobs.submit("test.fail", {}, title="a job that fails")
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text(str(len(browser_workspace.sources.list())))
    shoot(page, "overview")
    page.goto(f"{app_url}/jobs")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(page.get_by_text("Log", exact=True)).to_be_visible()
    shoot(page, "jobs")
    page.goto(f"{app_url}/settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    shoot(page, "settings")


def test_the_job_picker_offers_jobs_submitted_after_the_page_opened(page: Page, app_url: str, browser_workspace: Workspace) -> None:
    browser_workspace.jobs.submit("test.fail", {}, title="a job there before")
    page.goto(f"{app_url}/jobs")
    expect(page.get_by_text("Log", exact=True)).to_be_visible()
    later = browser_workspace.jobs.submit("test.fail", {}, title="a job submitted later")
    picker = page.get_by_role("combobox", name="Job")
    option = page.get_by_role("option", name=re.compile(rf"#{later}\s+a job submitted later"))
    # The page redraws its jobs every two seconds; look at the picker's list until it offers it
    # (for as long as a busy machine may need for a few redraws, not a count of looks).
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        picker.click()
        if option.count():
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    expect(option).to_be_visible()
    option.click()
    expect(page.get_by_text("a job submitted later: the input was wrong; fix it")).to_be_visible()
