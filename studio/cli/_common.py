"""What every command of the ``studio`` CLI shares: the error group, the common options, JSON
output, confirmation prompts and the progress printer.

Contract (scripts depend on it): every command takes ``--workspace``; ``--json`` prints one
JSON document to stdout; a failure prints one ``error: ...`` line to stderr and exits non-zero.
"""

import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from studio.errors import StudioError
from studio.text import counted, plural  # noqa: F401 - the stage modules take them from here


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


def process_started() -> float:
    """When this process started (epoch seconds): a command's wall-clock budget counts from
    there, the interpreter's start and the imports included. Read from /proc on Linux; else
    now, which leaves those out."""
    import time

    now = time.time()
    try:
        with open("/proc/self/stat") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22: start, in clock ticks after boot
        with open("/proc/uptime") as uptime:
            up = float(uptime.read().split()[0])
        age = up - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return now
    return now - max(0.0, age)


def command_started() -> float:
    """When the running command started: this process's start when the process is the
    ``studio`` command itself (``studio ...`` or ``python -m studio.cli``), else now (a command
    invoked inside a longer-lived process, such as a test or a script)."""
    import time

    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if program.name == "studio" or program.parts[-3:] == ("studio", "cli", "__main__.py"):
        return process_started()
    return time.time()


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


def progress_printer(quiet: bool) -> Callable[[float, str], None]:
    """Progress lines on stderr for a person watching a terminal; none in scripts and pipes,
    where stderr carries only the one ``error:`` line of a failure."""
    shown = not quiet and sys.stderr.isatty()

    def report(fraction: float, message: str) -> None:
        if shown:
            click.echo(f"  {fraction:4.0%} {message}", err=True)

    return report


def confirm(question: str) -> None:
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


def read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise StudioError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StudioError(f"{path}: not valid JSON ({exc}); fix the file") from None
