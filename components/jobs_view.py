"""Widgets that follow background jobs from a page."""

import streamlit as st

from studio import Workspace
from studio.jobs import FAILED, SUCCEEDED, Job

PENDING_KEY = "pending_jobs"


def track(job_id: int) -> None:
    """Follow a job submitted from this tab until it ends."""
    st.session_state.setdefault(PENDING_KEY, []).append(job_id)


def job_status_line(job: Job) -> None:
    warning = (job.result or {}).get("warning") if job.status == SUCCEEDED else None
    if warning:
        st.warning(f"{job.title}: done; {warning}", icon=":material/warning:")
    elif job.status == SUCCEEDED:
        st.success(f"{job.title}: done", icon=":material/check_circle:")
    elif job.status == FAILED:
        st.error(f"{job.title}: {job.error}", icon=":material/error:")
    elif job.active:
        st.progress(job.progress, text=f"{job.title} — {job.message}")
    else:
        st.warning(f"{job.title}: {job.status}", icon=":material/cancel:")


def pending_jobs(workspace: Workspace) -> None:
    """Progress of this tab's jobs, polled only while there are some. Always one container,
    so the elements below keep their place (an open tab stays open) as lines come and go."""
    with st.container():
        if st.session_state.get(PENDING_KEY):
            _poll_pending(workspace)


@st.fragment(run_every=1.0)
def _poll_pending(workspace: Workspace) -> None:
    """Reruns the page once when a job has finished, so the new state (a source, a profile)
    shows."""
    jobs = [workspace.jobs.get(job_id) for job_id in st.session_state.get(PENDING_KEY, [])]
    for job in jobs:
        job_status_line(job)
    finished = [job for job in jobs if not job.active]
    if finished:
        st.session_state[PENDING_KEY] = [job.id for job in jobs if job.active]
        st.session_state.setdefault("finished_jobs", []).extend(job.id for job in finished)
        st.rerun(scope="app")


def finished_messages(workspace: Workspace) -> None:
    """Show, once, how this tab's finished jobs ended (in one container, as above)."""
    with st.container():
        for job_id in st.session_state.pop("finished_jobs", []):
            job_status_line(workspace.jobs.get(job_id))
