"""Studio's entrypoint: navigation over pages/ in pipeline order and the shared sidebar.

The page files live one level down, in one folder per navigation section (pages/data/,
pages/operations/, ...), out of reach of Streamlit's old folder rule, which would run a file
directly in pages/ on its own for a deep link, skipping this entrypoint; `studio app` also
switches that rule off (components/server.py).
"""

from pathlib import Path

import streamlit as st

from components.layout import sidebar

# A local file: a material-icon favicon is fetched from the internet, which fails offline.
ICON = Path(__file__).parent / "assets" / "icon.png"

st.set_page_config(page_title="Studio", page_icon=str(ICON), layout="wide")

navigation = st.navigation(
    {
        "Home": [st.Page("pages/home/overview.py", title="Overview", icon=":material/dashboard:", default=True)],
        "Data": [
            st.Page("pages/data/sources.py", title="Sources", icon=":material/database:"),
            st.Page("pages/data/consolidate.py", title="Consolidate", icon=":material/merge:"),
            st.Page("pages/data/datasets.py", title="Datasets", icon=":material/table_view:"),
        ],
        "Models": [
            st.Page("pages/models/features.py", title="Features", icon=":material/tune:"),
            st.Page("pages/models/train.py", title="Train", icon=":material/model_training:"),
            st.Page("pages/models/models.py", title="Models", icon=":material/inventory_2:"),
        ],
        "Operations": [
            st.Page("pages/operations/jobs.py", title="Jobs", icon=":material/pending_actions:"),
            st.Page("pages/operations/settings.py", title="Settings", icon=":material/settings:"),
        ],
    }
)
sidebar()
navigation.run()
