"""Settings: where the workspace lives and its limits."""

from dataclasses import asdict

import streamlit as st

from components.layout import human_bytes, user_errors, workspace
from studio.workspace import Settings

current = workspace()
st.title("Settings")

summary = current.summary()
st.markdown(f"**Workspace folder** `{summary['workspace']}`  \n**Metadata DB** `{summary['db']}`")
st.caption(f"The lake holds {human_bytes(summary['lake_bytes'])} of Parquet files.")

HELP = {
    "max_source_mb": "Largest file a source may be added from, in MB.",
    "duckdb_memory_limit_mb": "Memory DuckDB may use per connection before spilling to disk, in MB.",
    "duckdb_threads": "Threads per DuckDB connection (0: one per core).",
    "job_heartbeat_timeout_s": "Seconds without a heartbeat before a job's worker is taken as dead.",
    "sql_timeout_s": "Seconds a user SQL statement (studio sql) may run before it is stopped.",
    "sql_memory_limit_mb": "Memory a user SQL statement may use, in MB.",
    "max_running_jobs": "Jobs that may run at once; the others wait in the queue, first come first served (0: one per core).",
}
values = asdict(current.settings)
with st.form("settings"):
    edited = {key: st.number_input(key.replace("_", " "), min_value=Settings.minimum(key), value=int(value), step=1, help=HELP[key]) for key, value in values.items()}
    if st.form_submit_button("Save", type="primary"):
        with user_errors():
            for key in Settings.field_names():
                if edited[key] != values[key]:
                    current.set_setting(key, edited[key])
            st.success("Saved. Memory and thread limits apply to work started after the app restarts.")
