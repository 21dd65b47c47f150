"""Sources: add files and database tables, then inspect each version's profile."""

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import streamlit as st

from components import table_view
from components.jobs_view import ended, track
from components.layout import ago, count_column, keep_error, outcome, page_header, user_errors
from components.table_view import table_detail
from studio import StudioError
from studio.jobs import SUCCEEDED
from studio.sources import BAD_ROWS, EXTENSIONS, FORMATS, ReadOptions, excel_sheets, parse_types, suggest_name

ADDED = "add_source"  # the place of the add panel's outcomes, just below it
EXCEL = (".xlsx", ".xlsm")

current = page_header("Sources", places=(ADDED, *table_view.PLACES))
store = current.sources
state = st.session_state
state.setdefault("upload_generation", 0)
state.setdefault("adding", {})  # {job id: (source name, tab)} of this tab's add jobs


def settle_added(names: list[str]) -> None:
    """After an add job ends well: select the new source, and let the uploader forget the file
    it added (a new generation of the widget). Before the widgets are drawn."""
    for job_id in ended(current, ADDED):
        name, tab = state["adding"].pop(job_id, (None, None))
        if name is None or current.jobs.get(job_id).status != SUCCEEDED:
            continue
        state["selected_source"] = next((n for n in names if n.lower() == name.lower()), name)
        if tab == "upload":
            state["upload_generation"] += 1
            state["upload_name"] = ""


def read_option_widgets(key: str, sheets: list[str] | None = None) -> bool:
    """The optional read settings (everything defaults to sniffed); ``sheets`` lists an Excel
    file's sheets, to pick one. False (with the reason shown) when a setting is malformed."""
    if sheets:
        st.selectbox("Sheet", sheets, key=f"{key}_sheet_choice")
    with st.expander("Read options (all sniffed when left empty)"):
        left, middle, right = st.columns(3)
        left.selectbox("Format", ["from extension", *FORMATS], key=f"{key}_format")
        middle.text_input("Delimiter", max_chars=1, key=f"{key}_delim", help="CSV only; e.g. ; or |")
        right.selectbox("Header row", ["sniff", "yes", "no"], key=f"{key}_header")
        left.text_input("Encoding", key=f"{key}_encoding", placeholder="utf-8, latin-1, cp1252 …")
        right.selectbox("Rows of the wrong width", BAD_ROWS, key=f"{key}_bad", help="error: stop and name the line; skip: drop them; pad: fill missing fields with nulls")
        st.text_input("Column types", key=f"{key}_types", placeholder="zip=VARCHAR, amount=DOUBLE")
    try:
        read_options(key, None)
    except StudioError as exc:
        st.error(exc.message, icon=":material/error:")
        return False
    return True


def read_options(key: str, filename: str | None) -> ReadOptions:
    """The read settings as the widgets hold them now (read in a callback, so they are the ones
    the user saw when clicking); the sheet only for an Excel file."""
    types_text = state.get(f"{key}_types", "")
    excel = filename is not None and Path(filename).suffix.lower() in EXCEL
    return ReadOptions(
        format=None if state.get(f"{key}_format", "from extension") == "from extension" else state[f"{key}_format"],
        delimiter=state.get(f"{key}_delim") or None,
        header={"sniff": None, "yes": True, "no": False}[state.get(f"{key}_header", "sniff")],
        encoding=state.get(f"{key}_encoding") or None,
        sheet=state.get(f"{key}_sheet_choice") if excel else None,
        types=parse_types([p for p in (p.strip() for p in types_text.split(",")) if p]),
        bad_rows=state.get(f"{key}_bad", BAD_ROWS[0]),
    )


def excel_sheet_names(source: "Path | BinaryIO", filename: str) -> list[str] | None:
    """The sheets of an Excel file (None for other files, or when it cannot be read: the add
    job then reports the problem)."""
    if Path(filename).suffix.lower() not in EXCEL or (isinstance(source, Path) and not source.is_file()):
        return None
    try:
        return excel_sheets(source, filename)
    except StudioError:
        return None


def suggest_from(source_key: str, name_key: str) -> None:
    """Fill the name field from the chosen file or table (on change, so the user can edit it)."""
    value = state.get(source_key)
    label = getattr(value, "name", value)
    if label:
        state[name_key] = suggest_name(str(label))


def submit(tab: str, name: str, start: Callable[[], int]) -> None:
    """Start an add job from a button callback and follow it below the panel; an error is kept
    to show there. In a callback, the click is acted on before the page is drawn again: a
    click that lands on the previous run's button (while another job's end reruns the page)
    still adds, exactly once."""
    try:
        job_id = start()
    except StudioError as exc:
        keep_error(exc.message, ADDED)
        return
    track(job_id, ADDED)
    state["adding"][job_id] = (name, tab)


def add_upload(generation: int) -> None:
    """Add source (upload) callback; a click on the button of an earlier upload, already
    added and forgotten, does nothing."""
    uploaded = state.get(f"upload_file_{generation}")
    if generation != state["upload_generation"] or uploaded is None:
        return
    name = state.get("upload_name", "")

    def start() -> int:
        options = read_options("upload", uploaded.name)
        path = store.save_upload(uploaded.name, uploaded.getvalue())
        return store.submit_add_file(path, name, options, label=uploaded.name, remove_after=True)

    submit("upload", name, start)


def add_path() -> None:
    server_path, name = state.get("path_path", ""), state.get("path_name", "")
    if server_path:
        path = Path(server_path).expanduser()
        submit("path", name, lambda: store.submit_add_file(path, name, read_options("path", server_path), label=path.name))


def add_database() -> None:
    url, name = state.get("db_url", ""), state.get("db_name", "")
    table = state.get("db_table") if state.get("db_mode") == "a table" else None
    query = state.get("db_query") if state.get("db_mode") == "a query" else None
    if url:
        submit("database", name, lambda: store.submit_add_database(url, name, table or None, query or None))


def add_source_panel() -> None:
    upload_tab, path_tab, database_tab = st.tabs(["Upload a file", "File on the server", "Database"], key="add_source_tabs")
    with upload_tab:
        generation = state["upload_generation"]
        uploaded = st.file_uploader(
            "CSV, TSV, Parquet, JSON, NDJSON or Excel (CSV, TSV and JSON may be gzipped)", type=[e.lstrip(".") for e in EXTENSIONS] + ["gz"],
            key=f"upload_file_{generation}", on_change=suggest_from, args=(f"upload_file_{generation}", "upload_name"),
        )
        st.text_input("Source name", key="upload_name")
        valid = read_option_widgets("upload", excel_sheet_names(uploaded, uploaded.name) if uploaded else None)
        st.button("Add source", type="primary", disabled=uploaded is None or not valid, key="upload_add", on_click=add_upload, args=(generation,))
    with path_tab:
        server_path = st.text_input(
            "Path of a file on this machine", key="path_path", placeholder="/data/orders.csv", on_change=suggest_from, args=("path_path", "path_name")
        )
        st.text_input("Source name", key="path_name")
        valid = read_option_widgets("path", excel_sheet_names(Path(server_path), server_path) if server_path else None)
        st.button("Add source", type="primary", disabled=not server_path or not valid, key="path_add", on_click=add_path)
    with database_tab:
        url = st.text_input("Database URL", key="db_url", placeholder="sqlite:///path/to/file.db  or  postgresql://user:password@host:5432/db", type="password")
        mode = st.radio("Read", ["a table", "a query"], horizontal=True, key="db_mode")
        if mode == "a table":
            st.text_input("Table", key="db_table", placeholder="schema.table or table", on_change=suggest_from, args=("db_table", "db_name"))
        else:
            st.text_area("Query (runs read-only)", key="db_query", placeholder="SELECT * FROM orders WHERE …")
        st.text_input("Source name", key="db_name")
        st.button("Add source", type="primary", disabled=not url, key="db_add", on_click=add_database)


sources = store.list()
names = [s.name for s in sources]
settle_added(names)
# Open at first on an empty workspace, then as the user leaves it: tracked in session state, it
# stays open while a first source is added (the list below is no longer empty then).
state.setdefault("add_panel", not sources)
with st.expander("Add a source", icon=":material/add:", key="add_panel", on_change="rerun"):
    add_source_panel()
outcome(current, ADDED)

if not sources:
    st.info("No sources yet. Add a file or a database table above, or load the demo data from the Overview page.")
else:
    if state.get("selected_source") not in names:
        state["selected_source"] = names[0]
    listing = pd.DataFrame([{"source": s.name, "version": s.version, "rows": s.rows, "columns": len(s.columns), "updated": ago(s.created_at)} for s in sources])
    st.dataframe(listing, hide_index=True, width="stretch", column_config={"rows": count_column("rows")})
    selected = st.selectbox("Source", names, key="selected_source")
    with user_errors():
        table_detail(current, store, selected, "selected_source")
