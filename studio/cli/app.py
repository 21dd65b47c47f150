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
    datasets, a proved feature recipe, a delivery-time model trained from it and promoted to
    production, and a worse challenger whose promotion the no-regression test blocks."""
    from studio.demo import build_demo, submit_demo_training, wait_for_demo_models

    workspace = Workspace.init(workspace_dir)
    progress = progress_printer(as_json)
    result = build_demo(workspace, progress=progress)
    run = None if train_seconds == 0 else submit_demo_training(workspace, train_seconds)
    chained = wait_for_demo_models(workspace, run, progress) if run is not None else []
    result["models"], result["promotions"] = chained[0::2], chained[1::2]
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
    lines += [promotion_line(p) for p in result.get("promotions", [])]
    return "\n".join(lines)


def promotion_line(promotion: dict[str, Any]) -> str:
    """One demo promotion: to production, or blocked by which tests (value against threshold)."""
    head = f"  promote {promotion['model']:<22} v{promotion['version']}  "
    if promotion["promoted"]:
        return head + "production (every test passed)"
    failed = "; ".join(f"{t['name']} {_number(t['value'])} (threshold {_number(t['threshold'])})" for t in promotion["failed"])
    return head + f"blocked by {failed}; production stays v{promotion['production']}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:+.4g}"


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
