"""The whole way a new user goes, in headless Chromium, from an empty app: load the demo,
consolidate (load the demo's restaurant recipe, score its pairs, build the dataset), design and
prove features, train with one click, then validate and promote the model. Pages are reached
through the sidebar, as a user does; the browser counts every click (pointer presses), and the
test prints the wall time and the clicks (the closing note of issue 10 quotes them)."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from studio import Workspace
from tests.e2e.conftest import idle
from tests.e2e.test_consolidate_journey import click, pick
from tests.e2e.test_features_journey import open_tab, shoot, type_into
from tests.helpers.servers import app_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

CLICK_COUNTER = """
window.__studioClicks = 0;
document.addEventListener("pointerdown", (event) => { if (event.isTrusted) window.__studioClicks++; }, true);
"""


@pytest.fixture(scope="module")
def empty_url(tmp_path_factory) -> Iterator[str]:
    workspace = Workspace.init(tmp_path_factory.mktemp("whole") / "ws")
    with app_server(workspace.root) as url:
        yield url


def go_to(page: Page, title: str) -> None:
    """Open a page from the sidebar, as a user does (the browser stays on one document)."""
    idle(page)
    page.get_by_test_id("stSidebarNavLink").filter(has=page.get_by_text(title, exact=True)).click()  # not the section "Models"
    expect(page.get_by_role("heading", name=title).first).to_be_visible()
    idle(page)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label`` unless it shows it already (a user
    does not click what is already chosen)."""
    idle(page)
    if page.get_by_role("combobox", name=label, exact=True).input_value() != option:
        pick(page, label, option)


def test_from_the_empty_app_to_a_promoted_model(page: Page, empty_url: str, tmp_path: Path) -> None:
    page.add_init_script(CLICK_COUNTER)
    started = time.perf_counter()
    page.goto(empty_url)
    expect(page.get_by_text("This workspace is empty.")).to_be_visible()

    # 1. The demo: sources from files and a database, their consolidation recipes.
    click(page, page.get_by_role("button", name="Load the demo data"))
    expect(page.get_by_role("heading", name="Datasets", exact=True)).to_be_visible(timeout=300_000)  # drawn once the build is done

    # 2. Consolidate: the demo's restaurant recipe, its pairs scored, one labelled, the dataset built.
    go_to(page, "Consolidate")
    pick(page, "Start from a saved recipe", "restaurants")
    click(page, page.get_by_role("button", name="Load", exact=True))
    click(page, page.get_by_role("button", name=re.compile(r"^Train and score")))
    expect(page.get_by_text("Review pairs near the threshold")).to_be_visible(timeout=180_000)
    click(page, page.get_by_role("button", name="Same entity").first)
    expect(page.get_by_text(re.compile(r"labelled: 1 same entity"))).to_be_visible()
    # Seen disabled twice in five runs on a machine at a load of 10-18, never since: say what the page held.
    names = [page.get_by_role("textbox", name=label).input_value() for label in ("Recipe name", "Dataset name")]
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    expect(page.get_by_role("button", name="Build dataset"), f"Build dataset is disabled; names {names}, alerts {alerts}").to_be_enabled()
    click(page, page.get_by_role("button", name="Build dataset"))
    built = page.locator(".st-key-outcome_rc_built").get_by_text(re.compile(r"Build \w+ \(recipe restaurants\): done"))
    expect(built).to_be_visible(timeout=180_000)
    shoot(page, "whole-consolidated")

    # 3. Features: the training dataset's target and time column, proved, saved as a new version.
    go_to(page, "Features")
    pick(page, "Target: the column to predict", "delivery_minutes")
    pick(page, "Time column", "placed_at")
    open_tab(page, "Proof")
    click(page, page.get_by_role("button", name="Prove features"))
    expect(page.get_by_text("Features ranked by what they tell about delivery_minutes")).to_be_visible(timeout=300_000)
    open_tab(page, "Recipe & save")
    type_into(page, "Recipe name", "delivery_time")
    click(page, page.get_by_role("button", name="Save as a new version"))
    expect(page.get_by_text(re.compile(r"Saved delivery_time v\d+ with its proof\."))).to_be_visible()
    shoot(page, "whole-features")

    # 4. Train with one click: the dataset, target and saved recipe are offered first; the default budget.
    go_to(page, "Train")
    choose(page, "Dataset or source", "delivery_training")
    choose(page, "Target: the column to predict", "delivery_minutes")
    click(page, page.get_by_role("button", name="Train", exact=True))
    model = page.get_by_text(re.compile(r"Model delivery_training_delivery_minutes v1 \(regression\)"))
    expect(model).to_have_count(1, timeout=900_000)  # the default budget: two minutes, refit included
    shoot(page, "whole-trained")

    # 5. Validate and promote: the new model's tests, then production.
    go_to(page, "Models")
    choose(page, "Model", "delivery_training_delivery_minutes")
    open_tab(page, "Tests")
    click(page, page.get_by_role("button", name="Run the tests"))
    expect(page.get_by_text(re.compile(r"^Tests of delivery_training_delivery_minutes v1: all passed"))).to_be_visible(timeout=300_000)
    click(page, page.get_by_role("button", name="Promote to production…"))
    click(page, page.get_by_role("button", name="Run the tests and promote"))
    expect(page.get_by_text(re.compile(r"^delivery_training_delivery_minutes v1 is production"))).to_be_visible(timeout=300_000)
    shoot(page, "whole-promoted")

    seconds = time.perf_counter() - started
    clicks = int(page.evaluate("window.__studioClicks"))
    print(f"\nthe whole way: {seconds:.0f} s, {clicks} clicks")
    assert clicks <= 40
