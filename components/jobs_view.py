"""Widgets that follow background jobs from a page.

A tab tracks the jobs it submitted, each at a place: the spot of the page where the user
clicked (under "Build dataset", under the add panel) or the head of the page. The page draws
``job_lines(workspace, place)`` at that spot; its head shows the jobs of every other place
(tracked on another page, say). Progress shows while a job runs, with a Cancel button beside
it; how it ended shows once."""

from collections.abc import Callable, Collection

import streamlit as st

from studio import StudioError, Workspace
from studio.jobs import FAILED, SUCCEEDED, Job

PENDING_KEY = "pending_jobs"  # {job id: place} of this tab's running jobs
ENDED_KEY = "ended_jobs"  # {job id: place} of those that ended, until their outcome shows
CANCEL_ERROR_KEY = "cancel_refused"  # {job id: why its cancel was refused}, while it runs
HEAD = "head"


def track(job_id: int, place: str = HEAD) -> None:
    """Follow a job submitted from this tab until it ends, at ``place``. Tracking a job again
    replaces its place (a repeated call never shows it twice)."""
    st.session_state.setdefault(PENDING_KEY, {})[job_id] = place


def ended(workspace: Workspace, place: str) -> list[int]:
    """The jobs at ``place`` that have ended and whose outcome has not shown yet: a page reads
    them before drawing its widgets (to select what a job added, say)."""
    return _collect_ended(workspace, lambda at: at == place)


def _collect_ended(workspace: Workspace, shows: Callable[[str], bool]) -> list[int]:
    """Take the tracked jobs that have ended as ended (at the places ``shows`` accepts) and
    return all ended ones there whose outcome has not shown yet. Done in the full run, not by
    the poller's rerun: a rerun now would drop a click this run carries (a button further
    down would never see it)."""
    pending: dict[int, str] = st.session_state.get(PENDING_KEY, {})
    for job_id in [job_id for job_id, at in pending.items() if shows(at)]:
        if not workspace.jobs.get(job_id).active:
            st.session_state.setdefault(ENDED_KEY, {})[job_id] = pending.pop(job_id)
            st.session_state.get(CANCEL_ERROR_KEY, {}).pop(job_id, None)
    return [job_id for job_id, at in st.session_state.get(ENDED_KEY, {}).items() if shows(at)]


def job_status_line(job: Job) -> None:
    warning = (job.result or {}).get("warning") if job.status == SUCCEEDED else None
    if warning:
        st.warning(f"{job.title}: done; {warning}", icon=":material/warning:")
    elif job.status == SUCCEEDED:
        st.success(f"{job.title}: done", icon=":material/check_circle:")
    elif job.status == FAILED:
        st.error(f"{job.title}: {job.detail()}", icon=":material/error:")
    elif job.active:
        st.progress(job.progress, text=f"{job.title} — {job.message}")
    else:
        st.warning(f"{job.title}: {job.status}", icon=":material/cancel:")


def job_lines(workspace: Workspace, place: str) -> None:
    """This tab's jobs at ``place``: how the ended ones ended (once) and the running ones'
    progress. Drawn in one container (the caller's), so the elements below keep their place
    as lines come and go."""
    _lines(workspace, lambda at: at == place)


def head_job_lines(workspace: Workspace, drawn_below: Collection[str] = ()) -> None:
    """At the head of a page: this tab's jobs at every place except those the page draws
    further down (``drawn_below``)."""
    _lines(workspace, lambda at: at not in drawn_below)


def _lines(workspace: Workspace, shows: Callable[[str], bool]) -> None:
    for job_id in _collect_ended(workspace, shows):
        st.session_state[ENDED_KEY].pop(job_id)
        job_status_line(workspace.jobs.get(job_id))
    if any(shows(at) for at in st.session_state.get(PENDING_KEY, {}).values()):
        _poll_pending(workspace, shows)


def cancel(workspace: Workspace, job_id: int) -> None:
    """Cancel button callback: asking twice is harmless; a refusal (the job ended meanwhile)
    is kept to show beside the line."""
    try:
        workspace.jobs.cancel(job_id)
    except StudioError as exc:
        st.session_state.setdefault(CANCEL_ERROR_KEY, {})[job_id] = exc.message


@st.fragment(run_every=1.0)
def _poll_pending(workspace: Workspace, shows: Callable[[str], bool]) -> None:
    """Progress of the running jobs, each with a Cancel button. Between full runs it reruns
    the page once when a job has ended, so the new state (a source, a profile) shows."""
    pending: dict[int, str] = st.session_state.get(PENDING_KEY, {})
    jobs = [workspace.jobs.get(job_id) for job_id, at in list(pending.items()) if shows(at)]
    for job in jobs:
        if not job.active:
            continue
        line, button = st.columns([6, 1], vertical_alignment="bottom")
        with line:
            job_status_line(job)
        button.button(
            "Cancelling…" if job.cancel_requested else "Cancel",
            key=f"cancel_line_{job.id}",
            icon=":material/stop_circle:",
            disabled=job.cancel_requested,
            on_click=cancel,
            args=(workspace, job.id),
            width="stretch",
        )
        refused = st.session_state.get(CANCEL_ERROR_KEY, {}).get(job.id)
        if refused:
            st.caption(refused)
    finished = [job for job in jobs if not job.active]
    if finished:
        for job in finished:
            st.session_state.setdefault(ENDED_KEY, {})[job.id] = pending.pop(job.id)
        st.rerun(scope="app")
