"""The consolidation journey in headless Chromium: two sources → align → fuzzy dedupe →
review pairs → build a dataset → see its lineage."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from studio import Workspace
from studio.demo import write_demo_files
from tests.e2e.conftest import after_run, idle, script_runs, settled, shoot
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def journey_workspace(tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("journey")
    workspace = Workspace.init(root / "ws")
    paths = write_demo_files(root / "files")
    workspace.sources.add_file(paths["restaurants_a"], "restaurants_a")
    workspace.sources.add_database(f"sqlite:///{paths['restaurants_b']}", "restaurants_b", table="merchants")
    return workspace


@pytest.fixture(scope="module")
def two_sources_url(journey_workspace: Workspace) -> Iterator[str]:
    with app_server(journey_workspace.root) as url:
        yield url


def pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the select box or multiselect labelled ``label``, and wait for the
    run the choice starts to end."""
    idle(page)
    box = page.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(has=page.get_by_text(label, exact=True))
    box.first.locator('[role="combobox"], input').first.click()
    if not page.get_by_role("option", name=option, exact=True).count():
        page.keyboard.type(option)
    runs = script_runs(page)
    page.get_by_role("option", name=option, exact=True).first.click()
    after_run(page, runs)


def click(page: Page, button: Locator) -> None:
    """Click ``button`` once the page is idle, and wait for the run the click starts to end."""
    idle(page)
    runs = script_runs(page)
    button.click()
    after_run(page, runs)


def test_two_sources_to_a_resolved_dataset(page: Page, two_sources_url: str) -> None:
    page.goto(f"{two_sources_url}/consolidate")
    expect(page.get_by_role("heading", name="Consolidate")).to_be_visible()
    pick(page, "Tables to consolidate (sources or datasets)", "restaurants_a")
    page.keyboard.press("Escape")
    pick(page, "Tables to consolidate (sources or datasets)", "restaurants_b")
    page.keyboard.press("Escape")
    # Aligned: 533 + 517 rows stacked, sampled in DuckDB for the preview.
    expect(page.get_by_text("1,050 rows; a repeatable sample of 200.")).to_be_visible()

    pick(page, "Column", "name")
    pick(page, "Add a step", "Fold accents (é → e)")
    click(page, page.get_by_role("button", name="Add step"))
    expect(page.get_by_text("1 · Fold accents", exact=True)).to_be_visible()
    pick(page, "Add a step", "Change case")
    click(page, page.get_by_role("button", name="Add step"))
    expect(page.get_by_text("Values the rules change (before → after)")).to_be_visible()

    pick(page, "Id column (names each input row in the members table)", "restaurant_id")
    page.get_by_text("fuzzy matching (Splink)").click()
    expect(page.get_by_text(re.compile(r"comparisons in all"))).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Train and score pairs").click()
    expect(page.get_by_text("Scored pairs by match weight")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Review pairs near the threshold")).to_be_visible()
    shoot(page, "consolidate-fuzzy")

    click(page, page.get_by_role("button", name="Same entity").first)
    expect(page.get_by_text("1 labelled: 1 same entity, 0 different.")).to_be_visible()
    click(page, page.get_by_role("button", name="Different").nth(1))  # the cards stay put: the second pair
    expect(page.get_by_text("2 labelled: 1 same entity, 1 different.")).to_be_visible()

    page.get_by_role("textbox", name="Recipe name").fill("restaurants")
    page.get_by_role("textbox", name="Dataset name").fill("restaurants_golden")
    page.get_by_role("textbox", name="Dataset name").press("Enter")
    page.get_by_role("button", name="Build dataset").click()
    # The outcome shows under the button, at the bottom of the long page, where the click was.
    built = page.locator(".st-key-outcome_rc_built").get_by_text(re.compile(r"Build restaurants_golden \(recipe restaurants\): done"))
    expect(built).to_be_visible(timeout=120_000)
    shoot(page, "consolidate-built")

    page.goto(f"{two_sources_url}/datasets")
    expect(page.get_by_text("restaurants_golden  ·  v1")).to_be_visible()
    page.get_by_role("tab", name="Lineage").click()
    graph = page.locator('[data-testid="stGraphVizChart"] svg')
    expect(graph).to_contain_text("restaurants_a v1")
    expect(graph).to_contain_text("recipe restaurants")
    shoot(page, "datasets-lineage")
    page.get_by_role("tab", name="Preview").click()
    settled(page)

    # The members table is profiled on first view; the open tab stays open when that job ends.
    pick(page, "Dataset", "restaurants_golden_members")
    page.get_by_role("tab", name="Manage").click()
    expect(page.get_by_text(re.compile(r"Profile restaurants_golden_members v1: done")).first).to_be_visible(timeout=60_000)
    idle(page)
    expect(page.get_by_role("tab", name="Manage")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Profile").click()
    expect(page.get_by_text("Missing values per column")).to_be_visible()


def test_a_refused_sql_step_says_why(page: Page, two_sources_url: str, tmp_path: Path) -> None:
    page.goto(f"{two_sources_url}/consolidate")
    pick(page, "Tables to consolidate (sources or datasets)", "restaurants_a")
    page.keyboard.press("Escape")
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    page.get_by_label(re.compile("One SELECT over")).fill(f"SELECT * FROM read_csv('{secret}')")
    page.get_by_label(re.compile("One SELECT over")).press("Control+Enter")
    expect(page.get_by_text("the query reaches outside the lake")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_a_saved_recipe_is_deleted_after_confirmation(page: Page, two_sources_url: str, journey_workspace: Workspace) -> None:
    from studio.datasets import Recipe

    journey_workspace.datasets.save_recipe(Recipe.from_json({"name": "throwaway", "output": "throwaway", "inputs": ["restaurants_a"]}))
    page.goto(f"{two_sources_url}/consolidate")
    pick(page, "Start from a saved recipe", "throwaway")
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete the saved recipe throwaway?")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_have_count(0)
    idle(page)
    assert "throwaway" not in [r["name"] for r in journey_workspace.datasets.recipes()]
    expect(page.get_by_role("combobox", name="Start from a saved recipe")).not_to_contain_text("throwaway")
