"""Sources: add files and database tables, then inspect each version's profile."""

from pathlib import Path
from typing import BinaryIO

import pandas as pd
import streamlit as st

from components.jobs_view import track
from components.layout import ago, count_column, page_header, user_errors
from components.table_view import table_detail
from studio import StudioError
from studio.sources import BAD_ROWS, EXTENSIONS, FORMATS, ReadOptions, excel_sheets, parse_types, suggest_name

current = page_header("Sources")
store = current.sources


def read_options(key: str, sheets: list[str] | None = None) -> ReadOptions | None:
    """The optional read settings (everything defaults to sniffed); ``sheets`` lists an Excel
    file's sheets, to pick one. None (with the reason shown) when a setting is malformed."""
    sheet = st.selectbox("Sheet", sheets, key=f"{key}_sheet_choice") if sheets else None
    with st.expander("Read options (all sniffed when left empty)"):
        left, middle, right = st.columns(3)
        fmt = left.selectbox("Format", ["from extension", *FORMATS], key=f"{key}_format")
        delimiter = middle.text_input("Delimiter", max_chars=1, key=f"{key}_delim", help="CSV only; e.g. ; or |")
        header = right.selectbox("Header row", ["sniff", "yes", "no"], key=f"{key}_header")
        encoding = left.text_input("Encoding", key=f"{key}_encoding", placeholder="utf-8, latin-1, cp1252 …")
        bad_rows = right.selectbox("Rows of the wrong width", BAD_ROWS, key=f"{key}_bad", help="error: stop and name the line; skip: drop them; pad: fill missing fields with nulls")
        types_text = st.text_input("Column types", key=f"{key}_types", placeholder="zip=VARCHAR, amount=DOUBLE")
    try:
        types = parse_types([p for p in (p.strip() for p in types_text.split(",")) if p])
    except StudioError as exc:
        st.error(exc.message, icon=":material/error:")
        return None
    return ReadOptions(
        format=None if fmt == "from extension" else fmt,
        delimiter=delimiter or None,
        header={"sniff": None, "yes": True, "no": False}[header],
        encoding=encoding or None,
        sheet=sheet,
        types=types,
        bad_rows=bad_rows,
    )


def excel_sheet_names(source: "Path | BinaryIO", filename: str) -> list[str] | None:
    """The sheets of an Excel file (None for other files, or when it cannot be read: the add
    job then reports the problem)."""
    if Path(filename).suffix.lower() not in (".xlsx", ".xlsm") or (isinstance(source, Path) and not source.is_file()):
        return None
    try:
        return excel_sheets(source, filename)
    except StudioError:
        return None


def suggest_from(source_key: str, name_key: str) -> None:
    """Fill the name field from the chosen file or table (on change, so the user can edit it)."""
    value = st.session_state.get(source_key)
    label = getattr(value, "name", value)
    if label:
        st.session_state[name_key] = suggest_name(str(label))


def add_source_panel() -> None:
    upload_tab, path_tab, database_tab = st.tabs(["Upload a file", "File on the server", "Database"])
    with upload_tab:
        uploaded = st.file_uploader(
            "CSV, TSV, Parquet, JSON, NDJSON or Excel (CSV, TSV and JSON may be gzipped)", type=[e.lstrip(".") for e in EXTENSIONS] + ["gz"], key="upload_file",
            on_change=suggest_from, args=("upload_file", "upload_name"),
        )
        name = st.text_input("Source name", key="upload_name")
        options = read_options("upload", excel_sheet_names(uploaded, uploaded.name) if uploaded else None)
        if st.button("Add source", type="primary", disabled=uploaded is None or options is None, key="upload_add"):
            with user_errors():
                path = store.save_upload(uploaded.name, uploaded.getvalue())
                track(store.submit_add_file(path, name, options, label=uploaded.name, remove_after=True))
                st.rerun()
    with path_tab:
        server_path = st.text_input(
            "Path of a file on this machine", key="path_path", placeholder="/data/orders.csv", on_change=suggest_from, args=("path_path", "path_name")
        )
        name = st.text_input("Source name", key="path_name")
        options = read_options("path", excel_sheet_names(Path(server_path), server_path) if server_path else None)
        if st.button("Add source", type="primary", disabled=not server_path or options is None, key="path_add"):
            with user_errors():
                track(store.submit_add_file(Path(server_path).expanduser(), name, options, label=Path(server_path).name))
                st.rerun()
    with database_tab:
        url = st.text_input("Database URL", key="db_url", placeholder="sqlite:///path/to/file.db  or  postgresql://user:password@host:5432/db", type="password")
        mode = st.radio("Read", ["a table", "a query"], horizontal=True, key="db_mode")
        table = st.text_input("Table", key="db_table", placeholder="schema.table or table", on_change=suggest_from, args=("db_table", "db_name")) if mode == "a table" else None
        query = st.text_area("Query (runs read-only)", key="db_query", placeholder="SELECT * FROM orders WHERE …") if mode == "a query" else None
        name = st.text_input("Source name", key="db_name")
        if st.button("Add source", type="primary", disabled=not url, key="db_add"):
            with user_errors():
                track(store.submit_add_database(url, name, table or None, query or None))
                st.rerun()


sources = store.list()
with st.expander("Add a source", expanded=not sources, icon=":material/add:"):
    add_source_panel()

if not sources:
    st.info("No sources yet. Add a file or a database table above, or load the demo data from the Overview page.")
else:
    names = [s.name for s in sources]
    if st.session_state.get("selected_source") not in names:
        st.session_state["selected_source"] = names[0]
    listing = pd.DataFrame([{"source": s.name, "version": s.version, "rows": s.rows, "columns": len(s.columns), "updated": ago(s.created_at)} for s in sources])
    st.dataframe(listing, hide_index=True, width="stretch", column_config={"rows": count_column("rows")})
    selected = st.selectbox("Source", names, key="selected_source")
    with user_errors():
        table_detail(current, store, selected, "selected_source")
