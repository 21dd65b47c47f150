"""Studio's entrypoint: navigation over pages/ in pipeline order and the shared sidebar."""

import streamlit as st

from components.layout import sidebar

st.set_page_config(page_title="Studio", page_icon=":material/hub:", layout="wide")

navigation = st.navigation(
    {
        "Studio": [st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)],
        "Data": [st.Page("pages/sources.py", title="Sources", icon=":material/database:")],
        "Operations": [
            st.Page("pages/jobs.py", title="Jobs", icon=":material/pending_actions:"),
            st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        ],
    }
)
sidebar()
navigation.run()
