"""The feature designer journey in headless Chromium, on the demo workspace: pick the training
dataset and its target, toggle a treatment, add an expression, prove the features (a job),
see the leaky column rejected with its reason, save the recipe as a new version."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from studio import Workspace
from studio.demo import build_demo
from tests.e2e.conftest import after_run, idle, script_runs
from tests.e2e.conftest import shoot as shoot_page
from tests.e2e.test_consolidate_journey import click, pick
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Workspace:
    workspace = Workspace.init(tmp_path_factory.mktemp("features") / "ws")
    build_demo(workspace)
    return workspace


@pytest.fixture(scope="module")
def demo_url(demo_workspace: Workspace) -> Iterator[str]:
    with app_server(demo_workspace.root) as url:
        yield url


def shoot(page: Page, name: str) -> None:
    """A screenshot once the page is idle, without a tooltip of the last thing clicked."""
    idle(page)
    page.mouse.move(0, 0)
    shoot_page(page, name)


def open_tab(page: Page, name: str) -> None:
    """Tabs switch in the browser, without a script run."""
    idle(page)
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")


def type_into(page: Page, label: str, text: str) -> None:
    """Type ``text`` into the text box labelled ``label`` and press Enter; wait for the run."""
    idle(page)
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    runs = script_runs(page)
    box.press("Enter")
    after_run(page, runs)


def test_design_prove_and_save_the_delivery_recipe(page: Page, demo_url: str, demo_workspace: Workspace) -> None:
    page.goto(f"{demo_url}/features")
    expect(page.get_by_role("heading", name="Features")).to_be_visible()
    expect(page.get_by_text("Choose the target: the column a model will predict.")).to_be_visible()
    pick(page, "Target: the column to predict", "delivery_minutes")
    pick(page, "Time column", "placed_at")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()

    pick(page, "Column to tune", "distance_km  (numeric)")
    click(page, page.get_by_test_id("stCheckbox").filter(has_text=re.compile(r"^Log$")))
    expect(page.get_by_text("After: numbers the model sees")).to_be_visible()
    shoot(page, "features-columns")

    open_tab(page, "Expressions")
    type_into(page, "Expression name", "travel_hours")
    type_into(page, "Expression", "distance_km / weather")
    expect(page.get_by_text("'/' needs numbers, but this side is text at position 14")).to_be_visible()
    type_into(page, "Expression", "distance_km / courier_speed_kmh")
    expect(page.get_by_text("A valid expression: a number for every row.")).to_be_visible()
    click(page, page.get_by_role("button", name="Add expression"))
    expect(page.get_by_text("travel_hours =")).to_be_visible()
    shoot(page, "features-expression")

    open_tab(page, "Proof")
    click(page, page.get_by_role("button", name="Prove features"))
    expect(page.get_by_text("Features ranked by what they tell about delivery_minutes")).to_be_visible(timeout=180_000)
    idle(page)
    leak = page.locator(".st-key-fd_card_service_minutes")  # the card's container, by its key
    expect(leak).to_contain_text("reject")
    expect(leak).to_contain_text("leak: alone it predicts the target almost perfectly")
    expect(leak.get_by_role("button", name="Bring back")).to_be_visible()  # left out by default
    late = page.locator(".st-key-fd_card_delivered_at")
    expect(late).to_contain_text("time leak: after the label time (placed_at)")
    shoot(page, "features-proof")

    open_tab(page, "Recipe & save")
    type_into(page, "Recipe name", "delivery_time")
    click(page, page.get_by_role("button", name="Save as a new version"))
    expect(page.get_by_text("Saved delivery_time v2 with its proof.")).to_be_visible()
    shoot(page, "features-saved")
    saved = demo_workspace.features.get("delivery_time")
    assert saved.version == 2 and {"service_minutes", "delivered_at"} <= set(saved.recipe.rejected)
    assert [d.expr for d in saved.recipe.expressions] == ["distance_km / courier_speed_kmh"]
    assert [s.to_json()["op"] for s in saved.recipe.columns["distance_km"].steps] == ["impute", "log", "standardize"]
    assert saved.proof is not None and saved.origin["table"] == "delivery_training"

    open_tab(page, "Versions")
    expect(page.get_by_text("~ column distance_km: numeric: impute, standardize -> numeric: impute, log, standardize")).to_be_visible()
