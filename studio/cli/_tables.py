"""The commands sources and datasets share (list, show, versions, preview, rename, delete,
export): both are versioned lake tables, so one definition serves both groups."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from studio.cli._common import confirm, counted, emit, json_option, plural, workspace_option
from studio.workspace import Workspace

if TYPE_CHECKING:
    from studio.tables import TableStore, TableVersion


def _bound(column: dict[str, Any], value: Any) -> Any:
    """A min or max as its column holds it: profiles compute numeric bounds as doubles, so an
    integer column's 0 arrives as 0.0 (and prints whole again here); a DOUBLE's 0.0 stays."""
    integer = column["type"].upper().endswith(("INT", "INTEGER"))
    return int(value) if integer and isinstance(value, float) and value.is_integer() else value


def column_line(column: dict[str, Any], exact_distinct: bool) -> str:
    """One profiled column: type, nulls, distinct count ("≈" only when estimated), range
    (of the values, or of the lengths of text; none when every value is NULL)."""
    parts = [f"  {column['name']:<24} {column['type']:<12} nulls {column['null_fraction']:6.1%}"]
    if "distinct" in column:
        parts.append(f"distinct{' ' if exact_distinct else '≈'}{column['distinct']}")
    if column.get("min") is not None:
        parts.append(f"min {_bound(column, column['min'])}  max {_bound(column, column['max'])}")
    elif column.get("min_length") is not None:
        parts.append(f"length min {column['min_length']}  max {column['max_length']}")
    return "  ".join(parts)


def table_line(table: "TableVersion") -> str:
    """Rows and columns of a version, aligned for a listing."""
    return f"{table.rows:>11,} {plural(table.rows, 'row'):<4}  {len(table.columns):>3} {plural(len(table.columns), 'column'):<7}"


def add_table_commands(group: click.Group, noun: str, store_of: Callable[[Workspace], "TableStore"], empty: str) -> None:
    """Add the shared table commands to ``group``, for the ``noun``'s store (``store_of``);
    ``empty`` is what ``list`` says when there is nothing yet."""

    @group.command("list")
    @workspace_option
    @json_option
    def list_(workspace_dir: Path | None, as_json: bool) -> None:
        items = store_of(Workspace.open(workspace_dir)).list()
        lines = [f"{t.name:<24} v{t.version:<3} {table_line(t)}  {t.origin_text()}" for t in items]
        emit(as_json, [t.to_json() for t in items], "\n".join(lines) or empty)

    list_.help = f"List {noun}s (newest version of each)."

    @group.command("show")
    @click.argument("name")
    @click.option("--version", "version", type=int, help="Version (default: newest).")
    @workspace_option
    @json_option
    def show(name: str, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
        store = store_of(Workspace.open(workspace_dir))
        table = store.get(name, version)
        profile = store.profile(name, table.version)
        document = {**table.to_json(), "versions": [v.version for v in store.versions(name)], "profile": profile}
        header = f"{table.name} v{table.version}: {counted(table.rows, 'row')}, {counted(len(table.columns), 'column')}  ({table.origin_text()})"
        emit(as_json, document, "\n".join([header] + [column_line(c, profile["exact_distinct"]) for c in profile["columns"]]))

    show.help = f"Show a {noun} version with its column profile and origin."

    @group.command("versions")
    @click.argument("name")
    @workspace_option
    @json_option
    def versions(name: str, workspace_dir: Path | None, as_json: bool) -> None:
        items = store_of(Workspace.open(workspace_dir)).versions(name)
        lines = [f"v{v.version:<3} {v.rows:>11,} {plural(v.rows, 'row'):<4}  {v.content_hash[:12]}  {time.strftime('%Y-%m-%d %H:%M', time.localtime(v.created_at))}  {v.origin_text()}" for v in items]
        emit(as_json, [v.to_json() for v in items], "\n".join(lines))

    versions.help = f"List all versions of a {noun}."

    @group.command("preview")
    @click.argument("name")
    @click.option("--limit", default=20, show_default=True)
    @click.option("--version", "version", type=int)
    @workspace_option
    @json_option
    def preview(name: str, limit: int, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
        import pandas as pd

        from studio.lake import json_value

        store = store_of(Workspace.open(workspace_dir))
        columns, rows = store.preview_rows(name, limit, version)
        document = {"columns": columns, "rows": [[json_value(v) for v in row] for row in rows]}
        emit(as_json, document, pd.DataFrame(document["rows"], columns=columns, dtype=object).to_string(index=False))

    preview.help = f"Print the first rows of a {noun}."

    @group.command("rename")
    @click.argument("name")
    @click.argument("new_name")
    @workspace_option
    @json_option
    def rename(name: str, new_name: str, workspace_dir: Path | None, as_json: bool) -> None:
        table = store_of(Workspace.open(workspace_dir)).rename(name, new_name)
        emit(as_json, table.to_json(), f"renamed {name} to {table.name}")

    rename.help = f"Rename a {noun} (all its versions)."

    @group.command("delete")
    @click.argument("name")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @workspace_option
    @json_option
    def delete(name: str, yes: bool, workspace_dir: Path | None, as_json: bool) -> None:
        store = store_of(Workspace.open(workspace_dir))
        existing = store.versions(name)
        if not yes:
            confirm(f"delete {name} and its {counted(len(existing), 'version')}?")
        deleted = store.delete(name)
        emit(as_json, {"name": name, "deleted_versions": deleted}, f"deleted {name} ({counted(len(deleted), 'version')})")

    delete.help = f"Delete a {noun} and all its versions."

    @group.command("export")
    @click.argument("name")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--version", "version", type=int)
    @click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
    @workspace_option
    @json_option
    def export(name: str, path: Path, version: int | None, overwrite: bool, workspace_dir: Path | None, as_json: bool) -> None:
        store = store_of(Workspace.open(workspace_dir))
        target = store.export(name, path, version, overwrite=overwrite)
        emit(as_json, {"name": name, "path": str(target)}, f"wrote {target}")

    export.help = f"Write a {noun} version to PATH (.parquet or .csv)."
