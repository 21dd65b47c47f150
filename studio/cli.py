"""The ``studio`` command. Thin: every command calls the same functions as the pages.

Contract (scripts depend on it): every command takes ``--workspace``; ``--json`` prints one
JSON document to stdout; a failure prints one ``error: ...`` line to stderr and exits non-zero.
"""

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from studio.errors import StudioError
from studio.workspace import Workspace

APP_FILE = Path(__file__).resolve().parent.parent / "streamlit_app.py"


class StudioGroup(click.Group):
    """Turns StudioError into one ``error:`` line and anything unexpected into one line too
    (the traceback only with STUDIO_DEBUG=1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StudioError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        except click.exceptions.UsageError as exc:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback by default
            if os.environ.get("STUDIO_DEBUG"):
                traceback.print_exc()
            click.echo(f"error: internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); rerun with STUDIO_DEBUG=1 for details", err=True)
            sys.exit(2)


def workspace_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--workspace",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Workspace folder (default: $STUDIO_WORKSPACE, else ./workspace).",
    )(function)


def json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document to stdout.")(function)


def emit(as_json: bool, document: Any, text: str) -> None:
    click.echo(json.dumps(document, default=str) if as_json else text)


def _progress_printer(quiet: bool) -> Callable[[float, str], None]:
    """Progress lines on stderr for a person watching a terminal; none in scripts and pipes,
    where stderr carries only the one ``error:`` line of a failure."""
    shown = not quiet and sys.stderr.isatty()

    def report(fraction: float, message: str) -> None:
        if shown:
            click.echo(f"  {fraction:4.0%} {message}", err=True)

    return report


@click.group(cls=StudioGroup)
@click.version_option(package_name="studio")
def main() -> None:
    """Studio: sources to served, monitored models, on one machine."""


@main.command()
@workspace_option
@json_option
def init(workspace_dir: Path | None, as_json: bool) -> None:
    """Create a workspace (or migrate an existing one)."""
    workspace = Workspace.init(workspace_dir)
    emit(as_json, workspace.summary(), f"workspace ready at {workspace.root}")


@main.command()
@workspace_option
@json_option
def demo(workspace_dir: Path | None, as_json: bool) -> None:
    """Build the demo workspace: food delivery data from several messy sources, consolidated into datasets."""
    from studio.demo import build_demo

    workspace = Workspace.init(workspace_dir)
    result = build_demo(workspace, progress=_progress_printer(as_json))
    lines = [f"demo workspace at {workspace.root}"] + [
        f"  source  {s['name']:<22} v{s['version']}  {s['rows']:>9,} rows" for s in result["sources"]
    ] + [f"  dataset {d['dataset']:<22} v{d['version']}  {d['rows_out']:>9,} rows" for d in result["datasets"]]
    emit(as_json, result, "\n".join(lines))


@main.command()
@workspace_option
@click.option("--port", default=8501, show_default=True, help="Port on localhost.")
@click.option("--demo", "with_demo", is_flag=True, help="Build the demo workspace first if it has no sources.")
def app(workspace_dir: Path | None, port: int, with_demo: bool) -> None:
    """Start the studio in the browser (http://localhost:PORT)."""
    if not APP_FILE.exists():
        raise StudioError(f"{APP_FILE} not found; run `studio app` from a clone installed with `pip install -e .`")
    workspace = Workspace.init(workspace_dir)
    if with_demo and not workspace.sources.list():
        from studio.demo import build_demo

        build_demo(workspace, progress=_progress_printer(False))
    click.echo(f"studio on http://localhost:{port}  (workspace {workspace.root})", err=True)
    env = {**os.environ, "STUDIO_WORKSPACE": str(workspace.root)}
    # components.server: Streamlit with its old pages/ folder rule off (deep links on a fresh server).
    command = [sys.executable, "-m", "components.server", "run", str(APP_FILE), "--server.port", str(port)]
    # Become the server (no child left behind): a signal to this process reaches Streamlit.
    os.chdir(APP_FILE.parent)
    os.execve(sys.executable, command, env)


# ------------------------------------------------------------------ sources


@main.group()
def sources() -> None:
    """Add, list, show, rename, delete and export sources."""


@sources.command("add")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--name", required=True, help="Source name (letters, digits, _).")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "parquet", "json", "ndjson", "xlsx"]), help="File format (default: from the extension).")
@click.option("--delimiter", help="CSV delimiter (default: sniffed).")
@click.option("--header/--no-header", default=None, help="Whether the first CSV row is a header (default: sniffed).")
@click.option("--encoding", help="Text encoding (default: sniffed).")
@click.option("--sheet", help="Excel sheet (default: the first).")
@click.option("--type", "types", multiple=True, help="Override a column type: COLUMN=TYPE (repeatable).")
@click.option("--bad-rows", type=click.Choice(["error", "skip", "pad"]), default="error", show_default=True, help="What to do with CSV rows of the wrong width.")
@click.option("--db", "db_url", help="Database URL (sqlite:///file.db or postgresql://...) instead of a file.")
@click.option("--table", help="Table to read from --db.")
@click.option("--query", help="Query to run on --db (read-only).")
@workspace_option
@json_option
def sources_add(
    path: Path | None, name: str, fmt: str | None, delimiter: str | None, header: bool | None, encoding: str | None,
    sheet: str | None, types: tuple[str, ...], bad_rows: str, db_url: str | None, table: str | None, query: str | None,
    workspace_dir: Path | None, as_json: bool,
) -> None:
    """Add a file (PATH) or a database table/query (--db) as a new source version."""
    from studio.jobs import JobContext
    from studio.sources import ReadOptions, parse_types

    workspace = Workspace.open(workspace_dir)
    context = JobContext(on_progress=_progress_printer(as_json))
    if db_url:
        if path is not None:
            raise StudioError("give either a file PATH or --db, not both")
        if (table is None) == (query is None):
            raise StudioError("with --db give exactly one of --table or --query")
        result = workspace.sources.add_database(db_url, name, table=table, query=query, context=context)
    else:
        if path is None:
            raise StudioError("give a file PATH, or --db URL with --table or --query")
        if table or query:
            raise StudioError("--table and --query go with --db")
        options = ReadOptions(format=fmt, delimiter=delimiter, header=header, encoding=encoding, sheet=sheet, types=parse_types(types), bad_rows=bad_rows)
        result = workspace.sources.add_file(path, name, options, context=context)
    source = result.source
    status = "unchanged, same content as" if result.unchanged else "added"
    skipped = source.skipped_text()
    note = f"; {skipped}" if skipped else ""
    emit(as_json, result.to_json(), f"{status} {source.name} v{source.version}: {source.rows:,} rows, {len(source.columns)} columns{note}")


def _confirm(question: str) -> None:
    """Ask on stderr (stdout stays clean for --json); anything but yes, or no answer at all,
    is one error line."""
    try:
        agreed = click.confirm(question, default=False, err=True)
    except click.exceptions.Abort:
        agreed = False
    if not agreed:
        if not sys.stdin.isatty():  # the answer was not echoed: end the prompt's line
            click.echo("", err=True)
        raise StudioError("not deleted (answer y, or pass --yes)")


def _plain_number(value: Any) -> Any:
    """1.0 -> 1: profiles keep numeric min/max as doubles, whole numbers read better whole."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def add_table_commands(group: click.Group, kind: str) -> None:
    """The commands sources and datasets share: list, show, versions, preview, rename, delete, export."""
    noun = kind
    store_of: Callable[[Workspace], Any] = (lambda ws: ws.sources) if kind == "source" else (lambda ws: ws.datasets)
    empty = "no sources yet; add one with `studio sources add PATH --name NAME`" if kind == "source" else (
        "no datasets yet; build one with `studio dedupe ...` or `studio consolidate run RECIPE_FILE`"
    )

    @group.command("list")
    @workspace_option
    @json_option
    def list_(workspace_dir: Path | None, as_json: bool) -> None:
        items = store_of(Workspace.open(workspace_dir)).list()
        lines = [f"{t.name:<24} v{t.version:<3} {t.rows:>11,} rows  {len(t.columns):>3} columns  {t.origin_text()}" for t in items]
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
        lines = [f"{table.name} v{table.version}: {table.rows:,} rows, {len(table.columns)} columns  ({table.origin_text()})"]
        for column in profile["columns"]:
            extra = f"min {_plain_number(column.get('min'))}  max {_plain_number(column.get('max'))}" if "min" in column else ""
            lines.append(f"  {column['name']:<24} {column['type']:<12} nulls {column['null_fraction']:6.1%}  distinct≈{column.get('distinct', '-')}  {extra}")
        emit(as_json, document, "\n".join(lines))

    show.help = f"Show a {noun} version with its column profile and origin."

    @group.command("versions")
    @click.argument("name")
    @workspace_option
    @json_option
    def versions(name: str, workspace_dir: Path | None, as_json: bool) -> None:
        items = store_of(Workspace.open(workspace_dir)).versions(name)
        lines = [f"v{v.version:<3} {v.rows:>11,} rows  {v.content_hash[:12]}  {time.strftime('%Y-%m-%d %H:%M', time.localtime(v.created_at))}  {v.origin_text()}" for v in items]
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

        columns, rows = store_of(Workspace.open(workspace_dir)).preview_rows(name, limit, version)
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
            _confirm(f"delete {name} and its {len(existing)} version(s)?")
        deleted = store.delete(name)
        emit(as_json, {"name": name, "deleted_versions": deleted}, f"deleted {name} ({len(deleted)} version(s))")

    delete.help = f"Delete a {noun} and all its versions."

    @group.command("export")
    @click.argument("name")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--version", "version", type=int)
    @click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
    @workspace_option
    @json_option
    def export(name: str, path: Path, version: int | None, overwrite: bool, workspace_dir: Path | None, as_json: bool) -> None:
        target = store_of(Workspace.open(workspace_dir)).export(name, path, version, overwrite=overwrite)
        emit(as_json, {"name": name, "path": str(target)}, f"wrote {target}")

    export.help = f"Write a {noun} version to PATH (.parquet or .csv)."


add_table_commands(sources, "source")


# ------------------------------------------------------------------ datasets and consolidation


@main.group()
def datasets() -> None:
    """List, show, diff and export datasets (tables built by recipes)."""


add_table_commands(datasets, "dataset")


@datasets.command("diff")
@click.argument("name")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.option("--key", help="Columns that identify a row, comma-separated (default: cluster_id if present, else whole rows).")
@workspace_option
@json_option
def datasets_diff(name: str, old: int, new: int, key: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Rows added, removed and changed between versions OLD and NEW, and schema changes."""
    keys = [k.strip() for k in key.split(",") if k.strip()] if key else None
    diff = Workspace.open(workspace_dir).datasets.diff(name, old, new, keys)
    lines = [
        f"{name} v{old} -> v{new} (key: {', '.join(diff.key) or 'whole rows'})",
        f"  rows: +{diff.rows_added:,} added, -{diff.rows_removed:,} removed, ~{diff.rows_changed:,} changed, {diff.rows_unchanged:,} unchanged",
    ]
    if diff.added_columns:
        lines.append(f"  columns added: {', '.join(diff.added_columns)}")
    if diff.removed_columns:
        lines.append(f"  columns removed: {', '.join(diff.removed_columns)}")
    lines += [f"  {c['column']}: {c['old']} -> {c['new']}" for c in diff.retyped_columns]
    lines += [f"  {column}: {count:,} changed" for column, count in diff.changed_by_column.items() if count]
    emit(as_json, diff.to_json(), "\n".join(lines))


@datasets.command("lineage")
@click.argument("name")
@click.option("--version", "version", type=int)
@workspace_option
@json_option
def datasets_lineage(name: str, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
    """The recipes and source versions a dataset version was built from."""
    graph = Workspace.open(workspace_dir).datasets.lineage(name, version)
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    emit(as_json, graph, "\n".join(f"{labels[a]}  ->  {labels[b]}" for a, b in graph["edges"]) or f"{name}: no recipe (nothing upstream)")


def _build_result_text(result: Any) -> str:
    document = result.to_json()
    text = f"{document['dataset']} v{document['version']}: {document['rows_in']:,} rows in, {document['rows_out']:,} rows out"
    if document["members"]:
        text += f", {document['clusters']:,} clusters; members in {document['members']} v{document['members_version']}"
    return text + (" (unchanged)" if document["unchanged"] else "")


@main.command()
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
        step = {"method": "fuzzy", "threshold": threshold, "config": _read_json_file(config_file) if config_file else None}
    recipe = Recipe.from_json({"name": f"dedupe {output}", "output": output, "inputs": list(sources_), "dedupe": step, "id": id_column})
    result = Workspace.open(workspace_dir).datasets.build(recipe, JobContext(on_progress=_progress_printer(quiet or as_json)))
    document = result.to_json()
    emit(as_json, {k: document[k] for k in ("rows_in", "rows_out", "clusters", "dataset", "version", "members", "unchanged", "stats")}, _build_result_text(result))


def _read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise StudioError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StudioError(f"{path}: not valid JSON ({exc}); fix the file") from None


@main.group()
def consolidate() -> None:
    """Run and list consolidation recipes."""


@consolidate.command("run")
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def consolidate_run(recipe_file: Path, quiet: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Run a recipe file (JSON) and save it; prints the dataset version it built."""
    from studio.datasets import Recipe
    from studio.jobs import JobContext

    recipe = Recipe.from_json(_read_json_file(recipe_file))
    store = Workspace.open(workspace_dir).datasets
    result = store.build(recipe, JobContext(on_progress=_progress_printer(quiet or as_json)), save=True)
    emit(as_json, result.to_json(), _build_result_text(result))


@consolidate.command("recipes")
@workspace_option
@json_option
def consolidate_recipes(workspace_dir: Path | None, as_json: bool) -> None:
    """List saved recipes."""
    from studio.datasets import Recipe
    from studio.sql import referenced_names
    from studio.tables import lake_tables

    workspace = Workspace.open(workspace_dir)
    items = workspace.datasets.recipes()
    names = list(lake_tables(workspace))
    lines = []
    for item in items:
        recipe = Recipe.from_json(item["spec"])
        read = [i.table for i in recipe.inputs]
        via_sql = [n for n in referenced_names(recipe.sql, names) if n not in read] if recipe.sql else []
        lines.append(f"{recipe.name:<24} -> {recipe.output:<24} inputs: {', '.join(read)}" + (f"; its SQL reads {', '.join(via_sql)}" if via_sql else ""))
    emit(as_json, items, "\n".join(lines) or "no recipes yet; save one on the Consolidate page or run `studio consolidate run FILE`")


@consolidate.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@workspace_option
@json_option
def consolidate_delete(name: str, yes: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Delete a saved recipe (the datasets it built stay)."""
    store = Workspace.open(workspace_dir).datasets
    store.recipe(name)
    if not yes:
        _confirm(f"delete recipe {name}? (the datasets it built stay)")
    store.delete_recipe(name)
    emit(as_json, {"recipe": name, "deleted": True}, f"deleted recipe {name}")


@consolidate.command("show")
@click.argument("name")
@workspace_option
def consolidate_show(name: str, workspace_dir: Path | None) -> None:
    """Print a saved recipe as JSON (a file `studio consolidate run` accepts)."""
    click.echo(json.dumps(Workspace.open(workspace_dir).datasets.recipe(name).to_json(), indent=2))


# ------------------------------------------------------------------ jobs


@main.group()
def jobs() -> None:
    """List, show and cancel background jobs."""


def _job_line(job: Any) -> str:
    return f"{job.id:>5}  {job.status:<10} {job.progress:4.0%}  {job.title[:60]:<60}  {job.error or job.message}"


@jobs.command("list")
@click.option("--status", type=click.Choice(["queued", "running", "succeeded", "failed", "cancelled"]))
@click.option("--limit", default=50, show_default=True)
@workspace_option
@json_option
def jobs_list(status: str | None, limit: int, workspace_dir: Path | None, as_json: bool) -> None:
    """List jobs, newest first (dead workers are detected first)."""
    store = Workspace.open(workspace_dir).jobs
    store.reap()
    items = store.list(limit=limit, status=status)
    emit(as_json, [j.to_json() for j in items], "\n".join(_job_line(j) for j in items) or "no jobs")


@jobs.command("show")
@click.argument("job_id", type=int)
@workspace_option
@json_option
def jobs_show(job_id: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Show one job with its log."""
    store = Workspace.open(workspace_dir).jobs
    store.reap()
    job = store.get(job_id)
    logs = store.logs(job_id)
    document = {**job.to_json(), "log": [{"at": line.at, "level": line.level, "message": line.message} for line in logs]}
    text = "\n".join([_job_line(job)] + [f"  {time.strftime('%H:%M:%S', time.localtime(l.at))} {l.level:<7} {l.message}" for l in logs])
    emit(as_json, document, text)


@jobs.command("cancel")
@click.argument("job_id", type=int)
@workspace_option
@json_option
def jobs_cancel(job_id: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Cancel a queued or running job."""
    job = Workspace.open(workspace_dir).jobs.cancel(job_id)
    emit(as_json, job.to_json(), f"job {job.id}: {job.message}")


# ------------------------------------------------------------------ sql


@main.command()
@click.argument("query")
@click.option("--limit", default=1000, show_default=True, help="Most rows to return.")
@workspace_option
@json_option
def sql(query: str, limit: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Run one read-only SQL statement over the sources and datasets (by name), sandboxed."""
    from studio.sql import run_sql

    result = run_sql(Workspace.open(workspace_dir), query, limit)
    if as_json:
        emit(True, result.to_json(), "")
        return
    import pandas as pd

    text = pd.DataFrame(result.rows, columns=result.columns).to_string(index=False)
    emit(False, None, text + (f"\n(first {limit:,} rows)" if result.truncated else ""))


# ------------------------------------------------------------------ settings


@main.command()
@click.argument("key", required=False)
@click.argument("value", required=False)
@workspace_option
@json_option
def settings(key: str | None, value: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Show the workspace settings, or set KEY to VALUE."""
    from dataclasses import asdict

    workspace = Workspace.open(workspace_dir)
    if key is not None and value is None:
        raise StudioError(f"give a value: `studio settings {key} VALUE`")
    current = workspace.set_setting(key, value) if key is not None and value is not None else workspace.settings
    document = asdict(current)
    emit(as_json, document, "\n".join(f"{k:<26} {v}" for k, v in document.items()))


if __name__ == "__main__":
    main()
