"""The registry's commands, added to the ``studio models`` group of ``studio.cli.training``:
promote (gated by the ML test suite; ``--reason`` overrides a failure and is audited),
validate, rollback, archive and unarchive, alias and unalias, audit, compare, export (MLflow,
ONNX) and the model card. Each calls ``workspace.registry``, the same code as the Models page.

A blocked promotion and a failed validation print their document (or tests) first, then one
``error:`` line, and exit 1: a CI step can gate on the exit status and still read the JSON."""

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from studio.cli._common import counted, emit, json_option, progress_printer, workspace_option
from studio.cli.training import models
from studio.errors import StudioError
from studio.workspace import Workspace

if TYPE_CHECKING:
    from studio.registry import AuditEntry, TestRun

CONTRACT_TEST_KEYS = ("name", "passed", "value", "threshold")


def _reference(reference: str) -> tuple[str, int | None]:
    from studio.training import model_reference

    return model_reference(reference)


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def test_lines(tests: list[dict[str, Any]]) -> list[str]:
    """One line per test, failures first: PASS/FAIL, name, value against threshold, detail."""
    ordered = sorted(tests, key=lambda row: row["passed"])
    return [
        f"  {'pass' if row['passed'] else 'FAIL'}  {row['name']:<22} {_value(row['value']):>10} vs {_value(row.get('threshold')):<10} {row.get('detail') or ''}".rstrip()
        for row in ordered
    ]


def _passed_count(tests: list[dict[str, Any]]) -> str:
    return f"{sum(1 for row in tests if row['passed'])} of {counted(len(tests), 'test')} passed"


def audit_line(entry: "AuditEntry") -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.at))
    what = f"{entry.model}" + (f" v{entry.version}" if entry.version is not None else "")
    if entry.alias:
        what += f" {entry.alias}" + (f" (was v{entry.previous_version})" if entry.previous_version is not None else "")
    failed = (entry.tests or {}).get("failed") or []
    extra = f"  failed: {', '.join(failed)}" if failed else ""
    reason = f"  why: {entry.reason}" if entry.reason else ""
    return f"{entry.id:>5}  {when}  {entry.actor:<12} {entry.action:<11} {what}{extra}{reason}"


# ---------------------------------------------------------------- the gate


@models.command("promote")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--alias", default="production", show_default=True, help="The alias to point at VERSION once its tests pass.")
@click.option("--reason", help="Why to promote although tests fail: overrides the failure and goes into the audit log.")
@workspace_option
@json_option
def promote(name: str, version: int, alias: str, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Run the test suite on NAME VERSION and point --alias at it if every test passes (or --reason says why anyway)."""
    result = Workspace.open(workspace_dir).registry.promote(name, version, alias=alias, reason=reason)
    document = {
        "model": result.model, "version": result.version, "alias": result.alias,
        "tests": [{key: row.get(key) for key in CONTRACT_TEST_KEYS} for row in result.tests], "promoted": result.promoted,
    }  # fmt: skip
    if result.unchanged:
        head = f"model {result.model} v{result.version} is {result.alias} already; nothing ran"
    elif result.overridden:
        head = f"model {result.model} v{result.version} is now {result.alias} by override (failed: {', '.join(result.failed)}; reason: {result.reason})"
    elif result.promoted:
        was = f" (was v{result.previous_version})" if result.previous_version is not None else ""
        head = f"model {result.model} v{result.version} is now {result.alias}{was}: {_passed_count(result.tests)}"
    else:
        head = f"model {result.model} v{result.version} was not promoted: {_passed_count(result.tests)}"
    emit(as_json, document, "\n".join([head, *test_lines(result.tests)]))
    if not result.promoted:
        raise StudioError(result.blocked_message())


def test_run_document(run: "TestRun") -> dict[str, Any]:
    return {
        "model": run.model, "version": run.version, "reference_version": run.reference_version, "passed": run.passed,
        "tests": run.tests, "test_run": run.id, "actor": run.actor, "at": run.at,
    }  # fmt: skip


@models.command("validate")
@click.argument("name")
@click.argument("version", type=int)
@workspace_option
@json_option
def validate(name: str, version: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Run and store the test suite on NAME VERSION without moving any alias; exits 1 when a test fails."""
    run = Workspace.open(workspace_dir).registry.validate(name, version)
    against = f" against production v{run.reference_version}" if run.reference_version is not None else ""
    head = f"model {run.model} v{run.version}{against}: {_passed_count(run.tests)}"
    emit(as_json, test_run_document(run), "\n".join([head, *test_lines(run.tests)]))
    if not run.passed:
        raise StudioError(f"model {run.model} v{run.version} failed {', '.join(run.failed)}; see the tests above (`studio models promote` would be blocked)")


# ---------------------------------------------------------------- aliases and archive


def alias_document(name: str, alias: str, version: int | None, previous: int | None, changed: bool) -> dict[str, Any]:
    return {"model": name, "alias": alias, "version": version, "previous_version": previous, "changed": changed}


def _moved_text(document: dict[str, Any]) -> str:
    target = "cleared" if document["version"] is None else f"v{document['version']}"
    was = f" (was v{document['previous_version']})" if document["previous_version"] is not None else ""
    if not document["changed"]:
        return f"{document['alias']} of model {document['model']} is v{document['version']} already"
    return f"{document['alias']} of model {document['model']}: {target}{was}"


@models.command("rollback")
@click.argument("name")
@click.option("--alias", default="production", show_default=True, help="The alias to step back one version.")
@click.option("--reason", help="Why (goes into the audit log).")
@workspace_option
@json_option
def rollback(name: str, alias: str, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Point --alias of NAME back at the version that held it before (one step per call)."""
    entry = Workspace.open(workspace_dir).registry.rollback(name, alias, reason=reason)
    document = alias_document(entry.model, str(entry.alias), entry.version, entry.previous_version, True)
    emit(as_json, document, _moved_text(document))


@models.command("alias")
@click.argument("name")
@click.argument("version", type=int)
@click.argument("alias")
@click.option("--reason", help="Why (goes into the audit log).")
@workspace_option
@json_option
def set_alias(name: str, version: int, alias: str, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Point ALIAS (staging or your own; production is set by promote) of NAME at VERSION."""
    registry = Workspace.open(workspace_dir).registry
    entry = registry.set_alias(name, version, alias, reason=reason)
    if entry is None:
        document = alias_document(registry.models.get(name).name, alias.strip().lower(), version, version, False)
    else:
        document = alias_document(entry.model, str(entry.alias), entry.version, entry.previous_version, True)
    emit(as_json, document, _moved_text(document))


@models.command("unalias")
@click.argument("name")
@click.argument("alias")
@click.option("--reason", help="Why (goes into the audit log).")
@workspace_option
@json_option
def unalias(name: str, alias: str, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Remove ALIAS from NAME (`studio models rollback NAME --alias ALIAS` brings it back)."""
    entry = Workspace.open(workspace_dir).registry.clear_alias(name, alias, reason=reason)
    document = alias_document(entry.model, str(entry.alias), None, entry.previous_version, True)
    emit(as_json, document, _moved_text(document))


def _archive(name: str, version: int, archived: bool, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    registry = Workspace.open(workspace_dir).registry
    change = registry.archive if archived else registry.unarchive
    kept = change(name, version, reason=reason)
    document = {"model": kept.model.name, "version": kept.model.version, "archived": kept.archived, "aliases": kept.aliases}
    emit(as_json, document, f"model {kept.model.name} v{kept.model.version} is {'archived' if kept.archived else 'not archived'}")


@models.command("archive")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--reason", help="Why (goes into the audit log).")
@workspace_option
@json_option
def archive(name: str, version: int, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Archive NAME VERSION: it keeps its artifact and history but can get no alias."""
    _archive(name, version, True, reason, workspace_dir, as_json)


@models.command("unarchive")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--reason", help="Why (goes into the audit log).")
@workspace_option
@json_option
def unarchive(name: str, version: int, reason: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Bring an archived version back: it may get aliases again."""
    _archive(name, version, False, reason, workspace_dir, as_json)


# ---------------------------------------------------------------- reading


@models.command("audit")
@click.argument("name", required=False)
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True, help="At most this many rows, newest first.")
@workspace_option
@json_option
def audit(name: str | None, limit: int, workspace_dir: Path | None, as_json: bool) -> None:
    """The audit log (every model's, or NAME's), newest first: who, when, what and why."""
    entries = Workspace.open(workspace_dir).registry.audit(name, limit=limit)
    empty = "no registry actions yet; promote a version with `studio models promote NAME VERSION`"
    emit(as_json, [entry.to_json() for entry in entries], "\n".join(audit_line(entry) for entry in entries) or empty)


def compare_text(document: dict[str, Any]) -> str:
    a, b = document["versions"]
    lines = [f"model {document['model']}: v{a} vs v{b}"]
    differing = [row for row in document["info"] if row["differs"]]
    lines += [f"  {row['key']:<32} {_value(row['a']):>14}  {_value(row['b']):>14}" for row in differing]
    if not differing:
        lines.append("  recorded info: the same")
    for row in document["tests"]:
        cells = [("-" if cell is None else f"{'pass' if cell['passed'] else 'FAIL'} {_value(cell['value'])}") for cell in (row["a"], row["b"])]
        lines.append(f"  test {row['name']:<27} {cells[0]:>14}  {cells[1]:>14}")
    if not document["tests"]:
        lines.append("  tests: neither version was validated (`studio models validate NAME VERSION`)")
    for side, number in (("a", a), ("b", b)):
        notes = document["notes"]
        aliases = ", ".join(notes["aliases"][side]) or "no alias"
        lines.append(f"  v{number}: {aliases}{'; archived' if notes['archived'][side] else ''}")
    return "\n".join(lines)


@models.command("compare")
@click.argument("name")
@click.argument("a", type=int)
@click.argument("b", type=int)
@workspace_option
@json_option
def compare(name: str, a: int, b: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Versions A and B of NAME side by side: what differs in their recorded info, their tests, aliases."""
    document = Workspace.open(workspace_dir).registry.compare(name, a, b)
    emit(as_json, document, compare_text(document))


# ---------------------------------------------------------------- ways out


@models.command("export")
@click.argument("model")
@click.option("--format", "fmt", type=click.Choice(["mlflow", "onnx"]), required=True, help="An MLflow model folder, or an ONNX file (checked against the pipeline).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="A new folder (mlflow); a .onnx file or a folder for it (onnx).")
@workspace_option
@json_option
def export(model: str, fmt: str, out: Path, workspace_dir: Path | None, as_json: bool) -> None:
    """Export MODEL[:VERSION] as an MLflow model folder or an ONNX file (needs `pip install 'studio[export]'`)."""
    name, number = _reference(model)
    written = Workspace.open(workspace_dir).registry.export(name, number, fmt, out)
    checked = f"; outputs match the pipeline on {counted(written['rows_checked'], 'row')}" if written["rows_checked"] is not None else ""
    emit(as_json, written, f"exported {written['model']} v{written['version']} as {fmt} to {written['path']}{checked}")


@models.command("card")
@click.argument("model")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write the card to this Markdown file instead of printing it.")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def card(model: str, out: Path | None, overwrite: bool, quiet: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """The model card of MODEL[:VERSION] as Markdown (its evaluation report is computed once and kept if missing)."""
    from studio.jobs import JobContext

    name, number = _reference(model)
    workspace = Workspace.open(workspace_dir)
    version = workspace.models.get(name, number)
    if out is not None and out.exists() and not overwrite:
        raise StudioError(f"{out} already exists; choose another --out, or pass --overwrite")
    report = workspace.reports.compute(version.name, version.version, JobContext(on_progress=progress_printer(quiet or as_json)))
    markdown = workspace.registry.card(version.name, version.version, report=report)
    if out is not None:
        from studio.lake import write_text_atomic

        write_text_atomic(out, markdown)
    document = {"model": version.name, "version": version.version, "path": None if out is None else str(out.resolve()), "card": markdown}
    emit(as_json, document, markdown.rstrip("\n") if out is None else f"wrote the card of {version.name} v{version.version} to {out}")


COMMANDS: tuple[click.Command, ...] = ()  # its commands join the `models` group of studio.cli.training
