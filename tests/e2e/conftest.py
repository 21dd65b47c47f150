"""Fixtures and helpers of the browser tests: Debian's Chromium driven by Playwright."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
expect.set_options(timeout=30_000)
SCREENSHOTS = Path(os.environ.get("STUDIO_SCREENSHOTS", "screenshots"))


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
