"""``studio dedupe`` and ``studio consolidate``: build datasets from sources with recipes."""

import json
from pathlib import Path
from typing import Any

import click

from studio.cli._common import confirm, counted, emit, json_option, progress_printer, read_json_file, workspace_option
from studio.errors import StudioError
from studio.workspace import Workspace


def _build_result_text(result: Any) -> str:
    document = result.to_json()
    text = f"{document['dataset']} v{document['version']}: {counted(document['rows_in'], 'row')} in, {counted(document['rows_out'], 'row')} out"
    if document["members"]:
        text += f", {counted(document['clusters'], 'cluster')}; members in {document['members']} v{document['members_version']}"
    text += " (unchanged)" if document["unchanged"] else ""
    return "\n".join([text, *(f"warning: {warning}" for warning in result.warnings)])


@click.command()
@click.option("--source", "sources_", multiple=True, required=True, help="Input source or dataset (repeat for several; they are unioned by column name).")
@click.option("--id", "id_column", required=True, help="The column that identifies a row within its source.")
@click.option("--out", "output", required=True, help="Name of the golden dataset; members go to NAME_members.")
@click.option("--exact", "exact", help="Deduplicate on these key columns (comma-separated).")
@click.option("--fuzzy", "fuzzy", is_flag=True, help="Resolve entities with Splink (settings suggested from the data unless --config).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Fuzzy settings (JSON: comparisons, blocking, threshold).")
@click.option("--threshold", type=float, help="Match probability at which two records are linked (fuzzy).")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def dedupe(
    sources_: tuple[str, ...], id_column: str, output: str, exact: str | None, fuzzy: bool, config_file: Path | None,
    threshold: float | None, quiet: bool, workspace_dir: Path | None, as_json: bool,
) -> None:
    """Deduplicate one or more sources into a golden dataset and a members table."""
    from studio.datasets import Recipe
    from studio.jobs import JobContext

    if bool(exact) == fuzzy:
        raise StudioError("choose one of --exact COLUMNS or --fuzzy")
    if exact and (config_file or threshold is not None):
        raise StudioError("--config and --threshold go with --fuzzy")
    step: dict[str, Any]
    if exact:
        step = {"method": "exact", "keys": [k.strip() for k in exact.split(",") if k.strip()]}
    else:
        step = {"method": "fuzzy", "threshold": threshold, "config": read_json_file(config_file) if config_file else None}
    recipe = Recipe.from_json({"name": f"dedupe {output}", "output": output, "inputs": list(sources_), "dedupe": step, "id": id_column})
    result = Workspace.open(workspace_dir).datasets.build(recipe, JobContext(on_progress=progress_printer(quiet or as_json)))
    document = result.to_json()
    emit(as_json, {k: document[k] for k in ("rows_in", "rows_out", "clusters", "dataset", "version", "members", "unchanged", "stats")}, _build_result_text(result))


@click.group()
def consolidate() -> None:
    """Run and list consolidation recipes."""


@consolidate.command("run")
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def run(recipe_file: Path, quiet: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Run a recipe file (JSON) and save it; prints the dataset version it built."""
    from studio.datasets import Recipe
    from studio.jobs import JobContext

    recipe = Recipe.from_json(read_json_file(recipe_file))
    store = Workspace.open(workspace_dir).datasets
    result = store.build(recipe, JobContext(on_progress=progress_printer(quiet or as_json)), save=True)
    emit(as_json, result.to_json(), _build_result_text(result))


@consolidate.command("recipes")
@workspace_option
@json_option
def recipes(workspace_dir: Path | None, as_json: bool) -> None:
    """List saved recipes."""
    from studio.datasets import Recipe

    store = Workspace.open(workspace_dir).datasets
    items = store.recipes()
    lines = []
    for item in items:
        recipe = Recipe.from_json(item["spec"])
        read = [i.table for i in recipe.inputs]
        via_sql = store.tables_read(recipe)[len(read):]
        lines.append(f"{recipe.name:<24} -> {recipe.output:<24} inputs: {', '.join(read)}" + (f"; its SQL reads {', '.join(via_sql)}" if via_sql else ""))
    emit(as_json, items, "\n".join(lines) or "no recipes yet; save one on the Consolidate page or run `studio consolidate run FILE`")


@consolidate.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@workspace_option
@json_option
def delete(name: str, yes: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Delete a saved recipe (the datasets it built stay)."""
    store = Workspace.open(workspace_dir).datasets
    store.recipe(name)
    if not yes:
        confirm(f"delete recipe {name}? (the datasets it built stay)")
    store.delete_recipe(name)
    emit(as_json, {"recipe": name, "deleted": True}, f"deleted recipe {name}")


@consolidate.command("show")
@click.argument("name")
@workspace_option
def show(name: str, workspace_dir: Path | None) -> None:
    """Print a saved recipe as JSON (a file `studio consolidate run` accepts)."""
    click.echo(json.dumps(Workspace.open(workspace_dir).datasets.recipe(name).to_json(), indent=2))


COMMANDS = (dedupe, consolidate)
