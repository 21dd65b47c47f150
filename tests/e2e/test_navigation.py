"""Navigation in headless Chromium: deep links on a fresh server, and pages that load
nothing from outside the machine."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import settled
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e

PROBE = re.compile(r"/\w+/_stcore/(health|host-config)$")
# Every page but the default one (the root URL), as a deep link and the heading it shows.
DEEP_LINKS = {"sources": "Sources", "consolidate": "Consolidate", "datasets": "Datasets", "features": "Features", "train": "Train", "models": "Models", "jobs": "Jobs", "settings": "Settings"}


@pytest.mark.parametrize("path", list(DEEP_LINKS))
def test_a_deep_link_on_a_fresh_server_runs_through_the_entrypoint(page: Page, tmp_path: Path, path: str) -> None:
    """Guards deep links on a server that has run no script yet, so one fresh server per link,
    opened before anything else. Streamlit's old folder rule is on for a process's first
    session when a pages/ folder sits beside the entrypoint, and `studio app` switches it off
    (components/server.py). Without that switch (checked once each): a page one folder down
    (pages/data/sources.py) runs under a "Page not found" dialog that blocks the page, and a
    file directly in pages/ (pages/jobs.py) runs alone, skipping streamlit_app.py, under
    Streamlit's file-name menu."""
    with app_server(tmp_path / "ws") as url:
        page.goto(f"{url}/{path}")
        expect(page.get_by_role("heading", name=DEEP_LINKS[path])).to_be_visible()
        settled(page)
        navigation = page.get_by_test_id("stSidebarNav")
        for section in ("Home", "Data", "Models", "Operations"):
            # the section's header: the Models section also holds a page called Models
            expect(navigation.get_by_test_id("stNavSectionHeader").get_by_text(section, exact=True)).to_be_visible()
        expect(navigation.get_by_role("link")).to_have_count(9)
        expect(page.get_by_test_id("stSidebar").get_by_text("Workspace")).to_be_visible()  # the entrypoint's sidebar
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_role("dialog")).to_have_count(0)


def test_pages_load_nothing_from_outside_and_log_no_errors(page: Page, tmp_path: Path) -> None:
    """The favicon is the studio's own file, served by the app: a material icon as favicon is
    fetched from fonts.gstatic.com, which fails offline with a console error on every page."""
    failed: list[str] = []
    outside: list[str] = []
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # On a deep link Streamlit's client first probes /<page>/_stcore/... for a base path
        # (404), then uses the root: its own probe, not the studio's.
        if message.type == "error" and not PROBE.search(message.location.get("url", "")):
            errors.append(f"{message.text} ({message.location.get('url')})")

    with app_server(tmp_path / "ws") as url:
        # net::ERR_ABORTED: a page's lazy script cut short by the next goto, not a failure.
        page.on("requestfailed", lambda request: None if request.failure == "net::ERR_ABORTED" else failed.append(f"{request.url} {request.failure}"))
        page.on("request", lambda request: None if request.url.startswith((url, "data:", "blob:")) else outside.append(request.url))
        page.on("console", console)
        for path in ["", *DEEP_LINKS]:
            page.goto(f"{url}/{path}")
            settled(page)
            expect(page.locator('link[rel="shortcut icon"]')).to_have_attribute("href", re.compile(r"/media/\w+\.png$"))
            page.wait_for_load_state("networkidle")
    assert (failed, outside, errors) == ([], [], [])
