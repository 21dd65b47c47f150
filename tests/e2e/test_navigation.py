"""Navigation in headless Chromium: deep links on a fresh server."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import settled
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e

# Every page but the default one (the root URL), as a deep link and the heading it shows.
DEEP_LINKS = {"sources": "Sources", "consolidate": "Consolidate", "datasets": "Datasets", "jobs": "Jobs", "settings": "Settings"}


@pytest.mark.parametrize("path", list(DEEP_LINKS))
def test_a_deep_link_on_a_fresh_server_runs_through_the_entrypoint(page: Page, tmp_path: Path, path: str) -> None:
    """Guards the page layout (pages/<section>/<page>.py, never pages/<page>.py): on a server
    that has run no script yet, Streamlit's old folder rule finds a file directly in pages/ by
    its name and runs it alone, skipping streamlit_app.py, so the browser gets Streamlit's
    file-name menu instead of the studio's sections (checked: this test fails with
    pages/jobs.py). Hence one fresh server per link, opened before anything else."""
    with app_server(tmp_path / "ws") as url:
        page.goto(f"{url}/{path}")
        expect(page.get_by_role("heading", name=DEEP_LINKS[path])).to_be_visible()
        settled(page)
        navigation = page.get_by_test_id("stSidebarNav")
        for section in ("Home", "Data", "Operations"):
            expect(navigation.get_by_text(section, exact=True)).to_be_visible()
        expect(navigation.get_by_role("link")).to_have_count(6)
        expect(page.get_by_test_id("stSidebar").get_by_text("Workspace")).to_be_visible()  # the entrypoint's sidebar
