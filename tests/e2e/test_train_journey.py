"""The training journey in headless Chromium: pick a table and its target, keep the defaults
but a small trial budget, click Train, watch the run's trials arrive, see its model and
scores, predict the table into a file and find it offered for download."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from studio import Workspace
from tests.e2e.conftest import idle, shoot
from tests.e2e.test_consolidate_journey import click, pick
from tests.helpers.servers import app_server
from tests.unit.test_training_jobs import orders

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def orders_url(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("train")
    orders().to_csv(folder / "orders.csv", index=False)
    workspace = Workspace.init(folder / "ws")
    workspace.sources.add_file(folder / "orders.csv", "orders")
    with app_server(workspace.root) as url:
        yield url


def test_click_train_watch_the_trials_see_the_model_and_predict(page: Page, orders_url: str) -> None:
    page.goto(f"{orders_url}/train")
    expect(page.get_by_role("heading", name="Train")).to_be_visible()
    pick(page, "Target: the column to predict", "minutes")
    idle(page)
    page.get_by_text("Advanced", exact=True).click()
    trials = page.get_by_label("Trials (0: as many as the budget allows)")
    trials.fill("4")
    trials.press("Enter")
    idle(page)
    click(page, page.get_by_role("button", name="Train", exact=True))
    # The run's own view, redrawn while it runs: its trials arrive, then its model.
    expect(page.get_by_text("Optimization history").first).to_be_visible(timeout=180_000)
    model = page.get_by_text(re.compile(r"Model orders_minutes v1 \(regression\)"))
    expect(model).to_have_count(1, timeout=180_000)  # drawn in the result tab when the run ends
    idle(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("4 of 4")
    shoot(page, "train-run")

    page.get_by_role("tab", name="Result & predict").click()
    expect(model).to_be_visible()
    click(page, page.get_by_role("button", name="Predict"))
    download = page.get_by_role("button", name=re.compile(r"Download orders_minutes_v1_orders\.parquet"))
    expect(download).to_be_visible(timeout=120_000)
    shoot(page, "train-predicted")
