"""``studio datasets``: tables built by recipes (the shared table commands, plus diff and
lineage)."""

from pathlib import Path

import click

from studio.cli._common import emit, json_option, workspace_option
from studio.cli._tables import add_table_commands
from studio.workspace import Workspace


@click.group()
def datasets() -> None:
    """List, show, diff and export datasets (tables built by recipes)."""


add_table_commands(
    datasets, "dataset", lambda workspace: workspace.datasets,
    empty="no datasets yet; build one with `studio dedupe ...` or `studio consolidate run RECIPE_FILE`",
)


@datasets.command("diff")
@click.argument("name")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.option("--key", help="Columns that identify a row, comma-separated (default: cluster_id if present, else whole rows).")
@workspace_option
@json_option
def diff(name: str, old: int, new: int, key: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Rows added, removed and changed between versions OLD and NEW, and schema changes."""
    keys = [k.strip() for k in key.split(",") if k.strip()] if key else None
    found = Workspace.open(workspace_dir).datasets.diff(name, old, new, keys)
    lines = [
        f"{name} v{old} -> v{new} (key: {', '.join(found.key) or 'whole rows'})",
        f"  rows: +{found.rows_added:,} added, -{found.rows_removed:,} removed, ~{found.rows_changed:,} changed, {found.rows_unchanged:,} unchanged",
    ]
    if found.added_columns:
        lines.append(f"  columns added: {', '.join(found.added_columns)}")
    if found.removed_columns:
        lines.append(f"  columns removed: {', '.join(found.removed_columns)}")
    lines += [f"  {c['column']}: {c['old']} -> {c['new']}" for c in found.retyped_columns]
    lines += [f"  {column}: {count:,} changed" for column, count in found.changed_by_column.items() if count]
    emit(as_json, found.to_json(), "\n".join(lines))


@datasets.command("lineage")
@click.argument("name")
@click.option("--version", "version", type=int)
@workspace_option
@json_option
def lineage(name: str, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
    """The recipes and source versions a dataset version was built from."""
    graph = Workspace.open(workspace_dir).datasets.lineage(name, version)
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    emit(as_json, graph, "\n".join(f"{labels[a]}  ->  {labels[b]}" for a, b in graph["edges"]) or f"{name}: no recipe (nothing upstream)")


COMMANDS = (datasets,)
