"""``studio sql``: one read-only statement over the sources and datasets, sandboxed."""

from pathlib import Path

import click

from studio.cli._common import counted, emit, json_option, workspace_option
from studio.workspace import Workspace


@click.command()
@click.argument("query")
@click.option("--limit", default=1000, show_default=True, help="Most rows to return.")
@workspace_option
@json_option
def sql(query: str, limit: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Run one read-only SQL statement over the sources and datasets (by name), sandboxed."""
    from studio.sql import run_sql

    result = run_sql(Workspace.open(workspace_dir).tables, query, limit)
    if as_json:
        emit(True, result.to_json(), "")
        return
    import pandas as pd

    text = pd.DataFrame(result.rows, columns=result.columns).to_string(index=False)
    emit(False, None, text + (f"\n(first {counted(limit, 'row')})" if result.truncated else ""))


COMMANDS = (sql,)
