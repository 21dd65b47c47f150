"""Jobs: background work, live, with logs and cancel."""

import time

import pandas as pd
import streamlit as st

from components.jobs_view import cancel, job_status_line
from components.layout import ago, page_header, user_errors
from studio.jobs import Job

current = page_header("Jobs", "Ingest, profiling and other long work run in their own processes: they survive page reloads and app restarts.")


@st.fragment(run_every=2.0)
def job_board() -> None:
    """The table, the picker and the chosen job's details, all redrawn every two seconds, so
    jobs submitted after the page opened (from another tab, the CLI) show in both the table
    and the picker."""
    current.jobs.reap()
    jobs = current.jobs.list(limit=200)
    if not jobs:
        st.info("No jobs yet. Adding a source from the Sources page starts one.")
        return
    job_table(jobs)
    titles = {j.id: j.title for j in jobs}
    chosen = st.selectbox("Job", list(titles), format_func=lambda i: f"#{i}  {titles[i]}", key="job_selected")
    job_detail(chosen)


def job_table(jobs: list[Job]) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "job": j.id,
                    "what": j.title,
                    "status": j.status,
                    "progress": round(j.progress * 100),
                    "message": j.error or j.message,
                    "created": ago(j.created_at),
                    "took": f"{j.duration_s:.1f} s" if j.duration_s is not None else "",
                }
                for j in jobs
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"progress": st.column_config.ProgressColumn("progress", min_value=0, max_value=100, format="%d%%")},
    )


def job_detail(job_id: int) -> None:
    with user_errors():
        job = current.jobs.get(job_id)
        job_status_line(job)
        meta = st.columns(4)
        meta[0].metric("Status", job.status)
        meta[1].metric("Progress", f"{job.progress:.0%}")
        meta[2].metric("Worker", f"{job.worker_host or '-'}:{job.worker_pid or '-'}")
        meta[3].metric("Last heartbeat", ago(job.heartbeat_at) or "-")
        if job.active:
            st.button("Cancel job", key=f"cancel_{job.id}", icon=":material/stop_circle:", disabled=job.cancel_requested, on_click=cancel, args=(current, job.id))
        logs = current.jobs.logs(job.id)
        st.caption("Log")
        st.code("\n".join(f"{time.strftime('%H:%M:%S', time.localtime(l.at))} {l.level:<7} {l.message}" for l in logs) or "(empty)", language=None)
        if job.result:
            with st.expander("Result"):
                st.json(job.result)


job_board()
