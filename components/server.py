"""Streamlit's command line with the old pages/ folder rule switched off: what `studio app`
runs (`python -m components.server run streamlit_app.py ...`).

Streamlit decides once per server process, when the first browser session opens, whether the
app follows its old multipage rule: a pages/ folder next to the entrypoint turns it on until
the first st.navigation call. On a fresh server a deep link (say /sources) then goes through
that rule first: a file pages/sources.py would run alone, without the entrypoint, and a page
one folder down (pages/data/sources.py) runs through st.navigation but under a "Page not
found" dialog. The studio navigates with st.navigation only, so the rule is off from the
start. `PagesManager.uses_pages_directory` is Streamlit's own switch for it (st.navigation
sets it the same way); the deep-link browser test notices if a Streamlit upgrade changes it.
"""

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    main(prog_name="streamlit")
