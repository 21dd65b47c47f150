"""Studio's entrypoint: navigation over app_pages/ in pipeline order and the shared sidebar.

The page files live in app_pages/, not pages/: when a pages/ folder sits next to the
entrypoint, Streamlit (1.67) shows its file names instead of this navigation to a browser
that opens a deep link (e.g. /sources) before anyone has opened the root page.
"""

import streamlit as st

from components.layout import sidebar

st.set_page_config(page_title="Studio", page_icon=":material/hub:", layout="wide")

navigation = st.navigation(
    {
        "Studio": [st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)],
        "Data": [
            st.Page("app_pages/sources.py", title="Sources", icon=":material/database:"),
            st.Page("app_pages/consolidate.py", title="Consolidate", icon=":material/merge:"),
            st.Page("app_pages/datasets.py", title="Datasets", icon=":material/table_view:"),
        ],
        "Operations": [
            st.Page("app_pages/jobs.py", title="Jobs", icon=":material/pending_actions:"),
            st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
        ],
    }
)
sidebar()
navigation.run()
