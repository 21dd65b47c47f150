"""Settings: where the workspace lives and its limits."""

from dataclasses import asdict

import streamlit as st

from components.layout import human_bytes, user_errors, workspace
from studio.settings import Settings

current = workspace()
st.title("Settings")

summary = current.summary()
st.markdown(f"**Workspace folder** `{summary['workspace']}`  \n**Metadata DB** `{summary['db']}`")
st.caption(f"The lake holds {human_bytes(summary['lake_bytes'])} of Parquet files.")

values = asdict(current.settings)
with st.form("settings"):
    edited = {
        info.key: st.number_input(info.label, min_value=info.minimum, value=int(values[info.key]), step=1, help=info.help, key=f"setting_{info.key}")
        for info in Settings.describe()
    }
    if st.form_submit_button("Save", type="primary"):
        with user_errors():
            for key in Settings.field_names():
                if edited[key] != values[key]:
                    current.set_setting(key, edited[key])
            st.success("Saved. Memory and thread limits apply to work started after the app restarts.")
