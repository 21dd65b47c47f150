"""``studio init``, ``studio demo`` and ``studio app``: the workspace and the browser app."""

import os
import sys
from pathlib import Path
from typing import Any

import click

from studio.cli._common import emit, json_option, plural, progress_printer, workspace_option
from studio.errors import StudioError
from studio.workspace import Workspace

APP_FILE = Path(__file__).resolve().parents[2] / "streamlit_app.py"


@click.command()
@workspace_option
@json_option
def init(workspace_dir: Path | None, as_json: bool) -> None:
    """Create a workspace (or migrate an existing one)."""
    workspace = Workspace.init(workspace_dir)
    emit(as_json, workspace.summary(), f"workspace ready at {workspace.root}")


@click.command()
@workspace_option
@click.option("--train-seconds", type=click.FloatRange(min=0), default=None,
              help="Budget of the demo model's training run (default: the demo's two minutes); 0 skips it.")
@json_option
def demo(workspace_dir: Path | None, train_seconds: float | None, as_json: bool) -> None:
    """Build the demo workspace: food delivery data from several messy sources, consolidated into
    datasets, a proved feature recipe, and a delivery-time model trained from it."""
    from studio.demo import build_demo, submit_demo_training

    workspace = Workspace.init(workspace_dir)
    progress = progress_printer(as_json)
    result = build_demo(workspace, progress=progress)
    run = None if train_seconds == 0 else submit_demo_training(workspace, train_seconds)
    result["models"] = [workspace.runs.wait(run, progress)] if run is not None else []
    emit(as_json, result, demo_text(result))


def demo_text(result: dict[str, Any]) -> str:
    """What ``studio demo`` prints: the workspace, then each source, dataset, feature recipe and
    online table it made."""
    lines = [f"demo workspace at {result['workspace']}"]
    lines += [f"  source  {s['name']:<22} v{s['version']}  {s['rows']:>9,} {plural(s['rows'], 'row')}" for s in result["sources"]]
    lines += [f"  dataset {d['dataset']:<22} v{d['version']}  {d['rows_out']:>9,} {plural(d['rows_out'], 'row')}" for d in result["datasets"]]
    for recipe in result.get("features", []):
        verdicts = ", ".join(f"{count} {verdict}" for verdict, count in (recipe["verdicts"] or {}).items())
        lines.append(f"  features {recipe['name']:<21} v{recipe['version']}  target {recipe['target']}; proof: {verdicts or 'none'}")
    lines += [f"  online  {t['name']:<22} v{t['version']}  {t['rows']:>9,} {plural(t['rows'], 'value')}" for t in result.get("online_tables", [])]
    lines += [
        f"  model   {m['model']:<22} v{m['version']}  run {m['run']}: holdout {m['metric']} {m['holdout_score']:.4g} after {m['trials']:,} {plural(m['trials'], 'trial')}"
        for m in result.get("models", [])
    ]  # fmt: skip
    return "\n".join(lines)


@click.command()
@workspace_option
@click.option("--port", default=8501, show_default=True, help="Port on localhost.")
@click.option("--demo", "with_demo", is_flag=True, help="Build the demo workspace first if it has no sources.")
def app(workspace_dir: Path | None, port: int, with_demo: bool) -> None:
    """Start the studio in the browser (http://localhost:PORT)."""
    if not APP_FILE.exists():
        raise StudioError(f"{APP_FILE} not found; run `studio app` from a clone installed with `pip install -e .`")
    workspace = Workspace.init(workspace_dir)
    if with_demo:
        from studio.demo import build_demo, submit_demo_training

        if not workspace.sources.list():
            build_demo(workspace, progress=progress_printer(False))
        if submit_demo_training(workspace) is not None:
            click.echo("the demo model is training in the background: watch it on the Train page", err=True)
    click.echo(f"studio on http://localhost:{port}  (workspace {workspace.root})", err=True)
    env = {**os.environ, "STUDIO_WORKSPACE": str(workspace.root)}
    # components.server: Streamlit with its old pages/ folder rule off (deep links on a fresh server).
    command = [sys.executable, "-m", "components.server", "run", str(APP_FILE), "--server.port", str(port)]
    # Become the server (no child left behind): a signal to this process reaches Streamlit.
    os.chdir(APP_FILE.parent)
    os.execve(sys.executable, command, env)


COMMANDS = (init, demo, app)
