"""``studio sources``: add files and database tables as versioned sources (and the shared
table commands: list, show, versions, preview, rename, delete, export)."""

from pathlib import Path

import click

from studio.cli._common import counted, emit, json_option, progress_printer, workspace_option
from studio.cli._tables import add_table_commands
from studio.errors import StudioError
from studio.workspace import Workspace


@click.group()
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
def add(
    path: Path | None, name: str, fmt: str | None, delimiter: str | None, header: bool | None, encoding: str | None,
    sheet: str | None, types: tuple[str, ...], bad_rows: str, db_url: str | None, table: str | None, query: str | None,
    workspace_dir: Path | None, as_json: bool,
) -> None:
    """Add a file (PATH) or a database table/query (--db) as a new source version."""
    from studio.jobs import JobContext
    from studio.sources import ReadOptions, parse_types

    workspace = Workspace.open(workspace_dir)
    context = JobContext(on_progress=progress_printer(as_json))
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
    source = result.table
    status = "unchanged, same content as" if result.unchanged else "added"
    skipped = source.skipped_text()
    note = f"; {skipped}" if skipped else ""
    emit(as_json, result.to_json(), f"{status} {source.name} v{source.version}: {counted(source.rows, 'row')}, {counted(len(source.columns), 'column')}{note}")


add_table_commands(
    sources, "source", lambda workspace: workspace.sources, empty="no sources yet; add one with `studio sources add PATH --name NAME`"
)

COMMANDS = (sources,)
