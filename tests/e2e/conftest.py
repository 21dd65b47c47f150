"""Fixtures and helpers of the browser tests: Debian's Chromium driven by Playwright."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
expect.set_options(timeout=30_000)
SCREENSHOTS = Path(os.environ.get("STUDIO_SCREENSHOTS", "screenshots"))
# Counts the script runs a page sees start: Streamlit's app element says its script state in
# data-test-script-state. A run can start and end within one task, so the count follows the
# attribute's old values, not only its value when the observer is called.
RUN_COUNTER = """
window.__studioRuns = 0;
(function watch() {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) { setTimeout(watch, 20); return; }
  new MutationObserver((records) => {
    const states = records.map((r) => r.oldValue).concat([app.getAttribute("data-test-script-state")]);
    for (let i = 1; i < states.length; i++) {
      if (states[i] === "running" && states[i - 1] !== "running") window.__studioRuns++;
    }
  }).observe(app, { attributes: true, attributeOldValue: true, attributeFilter: ["data-test-script-state"] });
})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `bash scripts/test.sh`, which installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    context.add_init_script(RUN_COUNTER)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def settled(page: Page) -> None:
    """Wait until the page is drawn with the studio's navigation (page titles in the sidebar)."""
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True)).to_be_visible()


def shoot(page: Page, name: str) -> None:
    settled(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def idle(page: Page) -> None:
    """Wait until no script runs and no element of an earlier run is left (elements below the
    first changed one stay the previous run's, and clickable, until the run redraws them).
    A page just opened counts as idle only once its first run has drawn the navigation: before
    that no run has started, and a click would land in a run that restarts without ending."""
    settled(page)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="running"]')).to_have_count(0, timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)
    expect(page.locator('[data-testid="stElementContainer"][data-stale="true"]')).to_have_count(0, timeout=120_000)


def script_runs(page: Page) -> int:
    """How many script runs the page has seen start (see RUN_COUNTER)."""
    return int(page.evaluate("window.__studioRuns"))


def after_run(page: Page, runs_before: int) -> None:
    """Wait until a script run that started after ``runs_before`` runs has ended and left no
    stale element: the run an interaction asked for, however short."""
    page.wait_for_function("n => window.__studioRuns > n", arg=runs_before, timeout=120_000)
    idle(page)
