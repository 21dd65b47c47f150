"""The ``studio`` command. Thin: every command calls the same functions as the pages.

Contract (scripts depend on it): every command takes ``--workspace``; ``--json`` prints one
JSON document to stdout; a failure prints one ``error: ...`` line to stderr and exits non-zero.
"""

import json
import os
import subprocess
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
    def report(fraction: float, message: str) -> None:
        if not quiet:
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
    """Build the demo workspace: food delivery data from several messy sources."""
    from studio.demo import build_demo

    workspace = Workspace.init(workspace_dir)
    result = build_demo(workspace, progress=_progress_printer(as_json))
    lines = [f"demo workspace at {workspace.root}"] + [
        f"  {s['name']:<22} v{s['version']}  {s['rows']:>9,} rows" for s in result["sources"]
    ]
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
    command = [sys.executable, "-m", "streamlit", "run", str(APP_FILE), "--server.port", str(port)]
    sys.exit(subprocess.call(command, env=env, cwd=APP_FILE.parent))


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
    emit(as_json, result.to_json(), f"{status} {source.name} v{source.version}: {source.rows:,} rows, {len(source.columns)} columns")


@sources.command("list")
@workspace_option
@json_option
def sources_list(workspace_dir: Path | None, as_json: bool) -> None:
    """List sources (newest version of each)."""
    items = Workspace.open(workspace_dir).sources.list()
    lines = [f"{s.name:<24} v{s.version:<3} {s.rows:>11,} rows  {len(s.columns):>3} columns  {s.origin.get('file') or s.origin.get('url', '')}" for s in items]
    emit(as_json, [s.to_json() for s in items], "\n".join(lines) or "no sources yet; add one with `studio sources add PATH --name NAME`")


@sources.command("show")
@click.argument("name")
@click.option("--version", "version", type=int, help="Version (default: newest).")
@workspace_option
@json_option
def sources_show(name: str, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Show a source version with its column profile."""
    store = Workspace.open(workspace_dir).sources
    source = store.get(name, version)
    profile = store.profile(name, source.version)
    document = {**source.to_json(), "versions": [v.version for v in store.versions(name)], "profile": profile}
    lines = [f"{source.name} v{source.version}: {source.rows:,} rows, {len(source.columns)} columns"]
    for column in profile["columns"]:
        extra = f"min {column.get('min')}  max {column.get('max')}" if "min" in column else ""
        lines.append(f"  {column['name']:<24} {column['type']:<12} nulls {column['null_fraction']:6.1%}  distinct≈{column.get('distinct', '-')}  {extra}")
    emit(as_json, document, "\n".join(lines))


@sources.command("versions")
@click.argument("name")
@workspace_option
@json_option
def sources_versions(name: str, workspace_dir: Path | None, as_json: bool) -> None:
    """List all versions of a source."""
    versions = Workspace.open(workspace_dir).sources.versions(name)
    lines = [f"v{v.version:<3} {v.rows:>11,} rows  {v.content_hash[:12]}  {time.strftime('%Y-%m-%d %H:%M', time.localtime(v.created_at))}" for v in versions]
    emit(as_json, [v.to_json() for v in versions], "\n".join(lines))


@sources.command("preview")
@click.argument("name")
@click.option("--limit", default=20, show_default=True)
@click.option("--version", "version", type=int)
@workspace_option
@json_option
def sources_preview(name: str, limit: int, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Print the first rows of a source."""
    from studio.sql import plain_value

    frame = Workspace.open(workspace_dir).sources.preview(name, limit, version)
    document = {"columns": list(frame.columns), "rows": [[plain_value(v) for v in row] for row in frame.itertuples(index=False)]}
    emit(as_json, document, frame.to_string(index=False))


@sources.command("rename")
@click.argument("name")
@click.argument("new_name")
@workspace_option
@json_option
def sources_rename(name: str, new_name: str, workspace_dir: Path | None, as_json: bool) -> None:
    """Rename a source (all its versions)."""
    source = Workspace.open(workspace_dir).sources.rename(name, new_name)
    emit(as_json, source.to_json(), f"renamed {name} to {source.name}")


@sources.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@workspace_option
@json_option
def sources_delete(name: str, yes: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Delete a source and all its versions."""
    store = Workspace.open(workspace_dir).sources
    versions = store.versions(name)
    if not yes and not click.confirm(f"delete {name} and its {len(versions)} version(s)?", default=False):
        raise StudioError("not deleted (answer y, or pass --yes)")
    deleted = store.delete(name)
    emit(as_json, {"name": name, "deleted_versions": deleted}, f"deleted {name} ({len(deleted)} version(s))")


@sources.command("export")
@click.argument("name")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--version", "version", type=int)
@workspace_option
@json_option
def sources_export(name: str, path: Path, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Write a source version to PATH (.parquet or .csv)."""
    target = Workspace.open(workspace_dir).sources.export(name, path, version)
    emit(as_json, {"name": name, "path": str(target)}, f"wrote {target}")


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
    """Run one read-only SQL statement over the sources (by name), sandboxed."""
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
