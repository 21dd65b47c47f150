"""The Models page's widgets: the models with their production and staging versions, a
version's detail (report, tests, card, lineage), two versions compared, promotion (with an
override by written reason when tests fail), rollback and archive behind confirmation dialogs,
and the audit log.

Every action runs in a callback of a confirmation dialog's button: the dialog to show is kept
in session state (so a rerun by a widget inside it keeps it open), and each callback closes it
first, so a click that lands twice finds nothing left to do. The evaluation report is computed
once per version by the ``evaluation.report`` job, queued the first time the version is shown."""

import time
from typing import Any

import pandas as pd
import streamlit as st

from components.evaluation_charts import report_figures, suite_rows, threshold_figure, threshold_row, worst_slice_rows
from components.jobs_view import track
from components.layout import ago, human_bytes, keep_error, outcome
from studio import StudioError, Workspace
from studio.registry import PRODUCTION, STAGING, BlockedPromotion, RegistryVersion

CONFIRM = "md_confirm"  # {"action", "model", "version"}: the dialog to show
DONE = "md_done"  # what the last action did, shown once
REPORT_JOBS = "md_report_jobs"  # {"name:version": job id} of the reports this tab queued
ACTIONS, REPORT, TESTS = "md_actions", "md_report", "md_tests"
PLACES = (ACTIONS, REPORT, TESTS)  # drawn by the page with ``outcome`` (for page_header)
state = st.session_state


def _score(value: Any) -> str:
    return "" if value is None else f"{float(value):.4g}"


def _named(version: int | None) -> str:
    return "" if version is None else f"v{version}"


def models_frame(current: Workspace) -> pd.DataFrame:
    """One row per model: its production and staging versions and its newest version's scores."""
    rows = []
    for newest in current.models.list():
        aliases = current.registry.aliases(newest.name)
        rows.append({
            "model": newest.name, "versions": newest.version, "production": _named(aliases.get(PRODUCTION)), "staging": _named(aliases.get(STAGING)),
            "task": newest.task, "target": newest.target, "metric": newest.info.get("metric", ""),
            "newest holdout score": _score(newest.info.get("holdout_score")), "updated": ago(newest.created_at),
        })  # fmt: skip
    return pd.DataFrame(rows)


def versions_frame(versions: list[RegistryVersion]) -> pd.DataFrame:
    rows = []
    for kept in versions:
        info, tests = kept.model.info, kept.tests
        rows.append({
            "version": kept.model.version, "aliases": ", ".join(kept.aliases), "archived": kept.archived,
            "validation score": _score(info.get("cv_score")), "holdout score": _score(info.get("holdout_score")),
            "tests": "" if tests is None else ("passed" if tests.passed else f"failed: {', '.join(tests.failed)}"),
            "trained": ago(kept.model.created_at), "run": str(kept.model.origin.get("run") or ""),
        })  # fmt: skip
    return pd.DataFrame(rows)


def pick_version(current: Workspace, name: str) -> RegistryVersion:
    """The version to show: production when there is one, else the newest; the user's choice."""
    versions = current.registry.versions(name)
    st.dataframe(versions_frame(versions), hide_index=True, width="stretch", key=f"md_versions_{name}")
    numbers = [kept.model.version for kept in versions]
    production = current.registry.holder(name)
    key = f"md_version_{name}"
    if state.get(key) not in numbers:
        state[key] = production if production in numbers else numbers[0]
    labels = {kept.model.version: f"v{kept.model.version}" + (f" ({', '.join(kept.aliases)})" if kept.aliases else "") for kept in versions}
    chosen = st.selectbox("Version", numbers, key=key, format_func=lambda number: labels[number])
    kept = next(kept for kept in versions if kept.model.version == chosen)
    if kept.description:
        st.caption(kept.description)
    return kept


# ---------------------------------------------------------------- report


def _queue_report(current: Workspace, name: str, version: int) -> None:
    try:
        job = current.reports.submit(name, version)
    except StudioError as exc:
        keep_error(exc.message, REPORT)
        return
    state.setdefault(REPORT_JOBS, {})[f"{name}:{version}"] = job
    track(job, REPORT)


def report_tab(current: Workspace, kept: RegistryVersion) -> None:
    """The version's evaluation report drawn by the pure figure builders; when it is not stored
    yet, the ``evaluation.report`` job computes it (queued once), its progress shown here."""
    name, number = kept.model.name, kept.model.version
    report = current.reports.get(name, number)
    if report is None:
        job_id = state.get(REPORT_JOBS, {}).get(f"{name}:{number}")
        if job_id is None:
            _queue_report(current, name, number)
        elif not current.jobs.get(job_id).active:  # it failed, was cancelled, or its file went
            st.button("Compute the report again", key=f"md_report_again_{name}_{number}", on_click=_queue_report, args=(current, name, number))
        st.caption("The report is computed once per version, on its holdout rows, as a job; it shows here when it is done.")
        outcome(current, REPORT)
        return
    outcome(current, REPORT)
    metrics = report["metrics"]
    columns = st.columns(min(4, len(metrics)) or 1)
    for i, (metric, value) in enumerate(list(metrics.items())[:4]):
        baseline = report.get("baseline", {}).get(metric)
        columns[i].metric(metric, _score(value), help=None if baseline is None else f"a constant prediction scores {_score(baseline)}")
    st.caption(f"On {report['rows']:,} holdout rows no trial saw; ranked by {report['metric_label']}.")
    figures = report_figures(report)
    if report["task"] == "binary":
        threshold = st.slider("Decision threshold", 0.0, 1.0, 0.5, 0.01, key=f"md_threshold_{name}_{number}")
        figures["thresholds"] = threshold_figure(report, threshold)
        row = threshold_row(report, threshold)
        st.caption(", ".join(f"{key} {_score(value)}" for key, value in row.items() if key != "threshold"))
    items = list(figures.items())
    for start in range(0, len(items), 2):
        for column, (key, figure) in zip(st.columns(2), items[start : start + 2], strict=False):
            column.plotly_chart(figure, width="stretch", key=f"md_figure_{name}_{number}_{key}")
    if report["worst_slices"]:
        st.markdown("**Worst slices**")
        st.dataframe(pd.DataFrame(worst_slice_rows(report)), hide_index=True, width="stretch", key=f"md_worst_{name}_{number}")


# ---------------------------------------------------------------- tests, card, lineage


def _validate(current: Workspace, name: str, version: int) -> None:
    try:
        run = current.registry.validate(name, version)
    except StudioError as exc:
        keep_error(exc.message, TESTS)
        return
    state[DONE] = f"Tests of {name} v{version}: " + ("all passed." if run.passed else f"failed {', '.join(run.failed)}.")


def tests_table(tests: list[dict[str, Any]], key: str) -> None:
    st.dataframe(pd.DataFrame(suite_rows(tests)), hide_index=True, width="stretch", key=key)


def tests_tab(current: Workspace, kept: RegistryVersion) -> None:
    """The newest stored run of the suite, each test with its value and threshold; Run the tests."""
    name, number = kept.model.name, kept.model.version
    st.button("Run the tests", key=f"md_validate_{name}_{number}", icon=":material/rule:", on_click=_validate, args=(current, name, number),
              help="Runs the test suite on this version's holdout rows (against production when another version is) and keeps the result; moves nothing.")  # fmt: skip
    outcome(current, TESTS)
    run = kept.tests
    if run is None:
        st.caption("The test suite has not run on this version yet.")
        return
    against = f" against production v{run.reference_version}" if run.reference_version is not None else ""
    failed = "" if run.passed else f" (failed: {', '.join(run.failed)})"
    st.markdown(f"**{sum(r['passed'] for r in run.tests)} of {len(run.tests)} tests passed**{against}{failed}; run {ago(run.at)} by {run.actor}.")
    tests_table(run.tests, f"md_tests_{name}_{number}_{run.id}")


def card_tab(current: Workspace, kept: RegistryVersion) -> None:
    name, number = kept.model.name, kept.model.version
    markdown = current.registry.card(name, number, report=current.reports.get(name, number))
    st.download_button(f"Download {name}_v{number}.md", data=markdown, file_name=f"{name}_v{number}.md", mime="text/markdown",
                       key=f"md_card_download_{name}_{number}", icon=":material/download:", on_click="ignore")  # fmt: skip
    with st.container(border=True):
        st.markdown(markdown)


def lineage_rows(current: Workspace, kept: RegistryVersion) -> pd.DataFrame:
    lineage = current.registry.lineage(kept.model.name, kept.model.version)
    table, recipe = lineage.get("dataset") or {}, lineage.get("feature_recipe")

    def named(used: dict[str, Any], key: str) -> str:
        now = used.get("current_name")
        return f"{now or used.get(key)} v{used.get('version')}" + ("" if now else " (deleted)")

    rows = [
        ("trained on", named(table, "table") if table else "-"),
        ("feature recipe", named(recipe, "recipe") if recipe else "the studio's treatment by column kind"),
        ("training run", str(lineage.get("run") or "-")),
        ("artifact", f"{kept.model.content_hash[:16]}… ({human_bytes(kept.model.bytes)})"),
        ("registered", time.strftime("%Y-%m-%d %H:%M", time.localtime(kept.model.created_at))),
        ("description", kept.description or "-"),
        ("tags", ", ".join(f"{k}={v}" for k, v in kept.tags.items()) or "-"),
    ]
    return pd.DataFrame(rows, columns=["", "value"])


def lineage_tab(current: Workspace, kept: RegistryVersion) -> None:
    st.dataframe(lineage_rows(current, kept), hide_index=True, width="stretch", key=f"md_lineage_{kept.model.name}_{kept.model.version}")


def compare_tab(current: Workspace, kept: RegistryVersion, numbers: list[int]) -> None:
    """This version beside another: recorded info (only what differs, unless asked), tests, notes."""
    name, number = kept.model.name, kept.model.version
    others = [n for n in numbers if n != number]
    if not others:
        st.caption("This model has one version; train another to compare.")
        return
    other = st.selectbox("Compare with", others, key=f"md_compare_{name}_{number}", format_func=lambda n: f"v{n}")
    document = current.registry.compare(name, number, other)
    a, b = f"v{number}", f"v{other}"
    everything = st.toggle("Show the values that are the same too", key=f"md_compare_all_{name}")
    info = [{"": row["key"], a: str(row["a"]), b: str(row["b"])} for row in document["info"] if everything or row["differs"]]
    st.dataframe(pd.DataFrame(info, columns=["", a, b]), hide_index=True, width="stretch", key=f"md_compare_info_{name}")

    def cell(value: dict[str, Any] | None) -> str:
        return "not run" if value is None else f"{'pass' if value['passed'] else 'FAIL'} {_score(value['value'])}"

    tests = [{"test": row["name"], a: cell(row["a"]), b: cell(row["b"])} for row in document["tests"]]
    if tests:
        st.dataframe(pd.DataFrame(tests), hide_index=True, width="stretch", key=f"md_compare_tests_{name}")
    else:
        st.caption("Neither version has run its tests yet.")
    notes = document["notes"]
    st.caption(" · ".join(f"v{n}: {', '.join(notes['aliases'][side]) or 'no alias'}{', archived' if notes['archived'][side] else ''}" for side, n in (("a", number), ("b", other))))


# ---------------------------------------------------------------- actions


def _ask(action: str, name: str, version: int) -> None:
    state[CONFIRM] = {"action": action, "model": name, "version": version}


def _close() -> None:
    state.pop(CONFIRM, None)


def _promote(current: Workspace, name: str, version: int, reason: str | None) -> None:
    """Confirm/override callback: run the gate; a blocked promotion is in the audit log, from
    which the page shows it (``blocked``) with the reason box."""
    _close()
    try:
        result = current.registry.promote(name, version, reason=reason)
    except StudioError as exc:
        keep_error(exc.message, ACTIONS)
        return
    if result.promoted:
        how = f" by override ({', '.join(result.failed)} failed)" if result.overridden else ""
        state[DONE] = f"{name} v{version} is production{how}."


def _override(current: Workspace, name: str, version: int) -> None:
    reason = str(state.get("md_reason") or "").strip()
    if not reason:
        keep_error("write why this version should be production although its tests failed; the reason goes into the audit log", ACTIONS)
        return
    _promote(current, name, version, reason)


def _rollback(current: Workspace, name: str) -> None:
    _close()
    try:
        entry = current.registry.rollback(name, PRODUCTION, reason=str(state.get("md_rollback_reason") or "").strip() or None)
    except StudioError as exc:
        keep_error(exc.message, ACTIONS)
        return
    state[DONE] = f"production of {name} is back at v{entry.version}." if entry.version else f"production of {name} is cleared."


def _set_archived(current: Workspace, name: str, version: int, archived: bool) -> None:
    _close()
    reason = str(state.get("md_archive_reason") or "").strip() or None
    try:
        (current.registry.archive if archived else current.registry.unarchive)(name, version, reason=reason)
    except StudioError as exc:
        keep_error(exc.message, ACTIONS)
        return
    state[DONE] = f"{name} v{version} is {'archived' if archived else 'back from the archive'}."


def _rerun_if_closed() -> None:
    """A dialog is a fragment: a click in it reruns only the dialog. Once a button's callback
    has acted (and closed it), rerun the whole page, which closes the dialog and shows what
    the action changed."""
    if CONFIRM not in state:
        st.rerun()


def _buttons(confirm: str, on_confirm: Any, args: tuple[Any, ...]) -> None:
    left, right = st.columns(2)
    left.button(confirm, type="primary", key="md_confirm_yes", on_click=on_confirm, args=args, width="stretch")
    right.button("Cancel", key="md_confirm_no", on_click=_close, width="stretch")


@st.dialog("Promote to production", on_dismiss=_close)
def _promote_dialog(current: Workspace, name: str, version: int) -> None:
    _rerun_if_closed()
    holder = current.registry.holder(name)
    st.markdown(f"Promote **{name} v{version}** to production" + (f", replacing v{holder}?" if holder else "?"))
    st.caption("The test suite runs first on the version's holdout rows (against production); the promotion happens only if every test passes.")
    _buttons("Run the tests and promote", _promote, (current, name, version, None))


@st.dialog("Roll back production", on_dismiss=_close)
def _rollback_dialog(current: Workspace, name: str, target: int | None) -> None:
    _rerun_if_closed()
    holder = current.registry.holder(name)
    to = f"v{target}" if target is not None else "no version (cleared)"
    st.markdown(f"Point production of **{name}** back from v{holder} to **{to}**, the version that held it before?")
    st.text_input("Reason (optional, goes into the audit log)", key="md_rollback_reason")
    _buttons("Roll back", _rollback, (current, name))


@st.dialog("Archive", on_dismiss=_close)
def _archive_dialog(current: Workspace, name: str, version: int, archived: bool) -> None:
    _rerun_if_closed()
    if archived:
        st.markdown(f"Bring **{name} v{version}** back from the archive? It may get aliases again.")
    else:
        st.markdown(f"Archive **{name} v{version}**? It keeps its artifact and history but can get no alias until it is unarchived.")
    st.text_input("Reason (optional, goes into the audit log)", key="md_archive_reason")
    _buttons("Unarchive" if archived else "Archive", _set_archived, (current, name, version, not archived))


def _failed_summary(blocked: BlockedPromotion) -> str:
    return ", ".join(f"{row['name']} {_score(row['value']) or '-'} (threshold {_score(row['threshold']) or '-'})" for row in blocked.failed)


def blocked_notice(current: Workspace, name: str, shown: int) -> list[BlockedPromotion]:
    """A warning for each other version whose promotion the tests blocked (the version shown
    has its own, by its actions), with the failed tests' values and thresholds; every blocked
    promotion of the model is returned."""
    blocked = current.registry.blocked(name)
    for item in blocked:
        if item.result.version == shown:
            continue
        entry = item.entry
        details = "\n".join(f"- {row['name']}: {row['detail']}" for row in item.failed)
        st.warning(
            f"**v{entry.version}'s promotion to {entry.alias} was blocked** {ago(entry.at)} by {entry.actor}: {_failed_summary(item)}.\n\n{details}\n\n"
            f"Pick v{entry.version} under Version to read all its tests, override them with a written reason, or archive it.",
            icon=":material/block:",
        )
    return blocked


def actions(current: Workspace, kept: RegistryVersion, blocked: list[BlockedPromotion]) -> None:
    """Promote, Roll back and Archive, each behind its confirmation dialog; when this version's
    newest promotion was blocked (``blocked``: the model's, from ``blocked_notice``), its failed
    tests and the reason box that overrides them."""
    name, number = kept.model.name, kept.model.version
    history = current.registry.alias_history(name)
    promote, rollback, archive = st.columns(3)
    promote.button("Promote to production…", key="md_promote", icon=":material/rocket_launch:", on_click=_ask, args=("promote", name, number),
                   disabled=kept.archived or PRODUCTION in kept.aliases, width="stretch",
                   help="Archived versions cannot be promoted." if kept.archived else None)  # fmt: skip
    rollback.button("Roll back production…", key="md_rollback", icon=":material/undo:", on_click=_ask, args=("rollback", name, number),
                    disabled=len(history) < 2, width="stretch", help="Production goes back to the version that held it before.")  # fmt: skip
    archive.button("Unarchive…" if kept.archived else "Archive…", key="md_archive", icon=":material/archive:", on_click=_ask,
                   args=("archive", name, number), width="stretch")  # fmt: skip
    asked = state.get(CONFIRM)
    if asked and (asked["model"], asked["version"]) == (name, number):
        if asked["action"] == "promote":
            _promote_dialog(current, name, number)
        elif asked["action"] == "rollback":
            _rollback_dialog(current, name, history[-2] if len(history) > 1 else None)
        else:
            _archive_dialog(current, name, number, kept.archived)
    with st.container(key="md_action_outcome"):
        outcome(current, ACTIONS)
        done = state.pop(DONE, None)
        if done:
            st.success(done, icon=":material/check_circle:")
        mine = next((item for item in blocked if item.result.version == number), None)
        if mine is not None:
            st.error(f"{mine.result.blocked_message(override='in the box below')} (blocked {ago(mine.entry.at)} by {mine.entry.actor})", icon=":material/block:")
            tests_table(mine.failed, f"md_failed_{name}_{number}")
            st.text_area("Tests failed: override with a written reason", key="md_reason", placeholder="Why this version should be production anyway")
            st.button("Override and promote", key="md_override", type="primary", on_click=_override, args=(current, name, number))


def audit_frame(current: Workspace, name: str) -> pd.DataFrame:
    rows = [
        {
            "when": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.at)), "who": entry.actor, "action": entry.action,
            "version": entry.version, "alias": entry.alias or "", "was": entry.previous_version, "why": entry.reason or "",
            "failed tests": ", ".join((entry.tests or {}).get("failed") or []),
        }
        for entry in current.registry.audit(name, limit=500)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["when", "who", "action", "version", "alias", "was", "why", "failed tests"])
