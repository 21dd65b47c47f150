"""``studio settings``: show the workspace settings or set one."""

from dataclasses import asdict
from pathlib import Path

import click

from studio.cli._common import emit, json_option, workspace_option
from studio.errors import StudioError
from studio.workspace import Workspace


@click.command()
@click.argument("key", required=False)
@click.argument("value", required=False)
@workspace_option
@json_option
def settings(key: str | None, value: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Show the workspace settings, or set KEY to VALUE."""
    workspace = Workspace.open(workspace_dir)
    if key is not None and value is None:
        raise StudioError(f"give a value: `studio settings {key} VALUE`")
    current = workspace.set_setting(key, value) if key is not None and value is not None else workspace.settings
    document = asdict(current)
    emit(as_json, document, "\n".join(f"{k:<26} {v}" for k, v in document.items()))


COMMANDS = (settings,)
