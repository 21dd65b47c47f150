"""The real app in headless Chromium: upload a CSV, see its profile, reload, nothing lost."""

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shoot
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    workspace = tmp_path_factory.mktemp("e2e") / "ws"
    with app_server(workspace) as url:
        yield url


def test_upload_a_csv_and_see_its_profile(page: Page, app_url: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    csv = tmp_path / "Deliveries 2026.csv"
    pd.DataFrame(
        {"order": np.arange(5000), "minutes": rng.normal(30, 8, 5000).round(1), "city": rng.choice(["Paris", "Lyon", None], 5000)}
    ).to_csv(csv, index=False)

    page.goto(f"{app_url}/sources")
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    page.locator('input[type="file"]').set_input_files(str(csv))
    name_field = page.get_by_label("Source name").first
    expect(name_field).to_have_value("deliveries_2026")
    page.locator('button:has-text("Add source"):visible').first.click()

    expect(page.get_by_text("deliveries_2026  ·  v1")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Missing values per column")).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile("Distribution of order"))).to_be_visible()
    shoot(page, "sources-profile")

    page.reload()
    expect(page.get_by_text("deliveries_2026  ·  v1")).to_be_visible()
    expect(page.get_by_text("Missing values per column")).to_be_visible()


def test_bad_upload_shows_one_line_and_adds_nothing(page: Page, app_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 20)
    page.goto(f"{app_url}/sources")
    page.get_by_text("Add a source").first.click()
    page.locator('input[type="file"]').set_input_files(str(bad))
    expect(page.get_by_label("Source name").first).to_have_value("garbage")
    page.locator('button:has-text("Add source"):visible').first.click()
    # .first: while the page reruns, the poller's line and the finished line can both show briefly.
    expect(page.get_by_text("garbage.csv: looks like a binary file").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("garbage.csv: looks like a binary file")).to_have_count(1, timeout=30_000)  # once settled
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_overview_and_jobs_show_the_work(page: Page, app_url: str) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("1")  # one source
    shoot(page, "overview")
    page.goto(f"{app_url}/jobs")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(page.get_by_text("Log")).to_be_visible()
    shoot(page, "jobs")
    page.goto(f"{app_url}/settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    shoot(page, "settings")
