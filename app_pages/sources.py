"""Sources: add files and database tables, then inspect each version's profile."""

from pathlib import Path
from typing import BinaryIO

import pandas as pd
import streamlit as st

from components.jobs_view import finished_messages, pending_jobs, track
from components.layout import ago, human_bytes, user_errors, workspace
from components.profile_charts import histogram_figure, missing_values_figure, summary_rows, top_values_figure
from studio import StudioError
from studio.sources import BAD_ROWS, EXTENSIONS, FORMATS, ReadOptions, excel_sheets, parse_types, suggest_name

current = workspace()
store = current.sources
st.title("Sources")
if "flash_error" in st.session_state:
    st.error(st.session_state.pop("flash_error"), icon=":material/error:")

finished_messages(current)
pending_jobs(current)


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
            "CSV, TSV, Parquet, JSON, NDJSON or Excel", type=[e.lstrip(".") for e in EXTENSIONS], key="upload_file",
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


def run_and_select(action, selected: str | None) -> None:  # type: ignore[no-untyped-def]
    """A button callback: do ``action`` and select ``selected``; a StudioError is kept to show
    on the next run (callbacks run before widgets exist, so the selection can change)."""
    try:
        action()
    except StudioError as exc:
        st.session_state["flash_error"] = exc.message
        return
    if selected is None:
        st.session_state.pop("selected_source", None)
    else:
        st.session_state["selected_source"] = selected


@st.dialog("Delete source")
def confirm_delete(name: str, versions: int) -> None:
    st.write(f"Delete **{name}** and its {versions} version(s)? Files no other source uses are removed. This cannot be undone.")
    left, right = st.columns(2)
    if left.button("Delete", type="primary", key="confirm_delete", on_click=run_and_select, args=(lambda: store.delete(name), None)):
        st.rerun()
    if right.button("Keep it", key="cancel_delete"):
        st.rerun()


def profile_section(name: str, version: int) -> None:
    profile = store.cached_profile(name, version)
    if profile is None:
        key = f"profiling_{name}_{version}"
        job = current.jobs.get(st.session_state[key]) if key in st.session_state else None
        if job is not None and not job.active and job.status != "succeeded":
            st.error(f"Profiling failed: {job.error or job.status}", icon=":material/error:")
            if not st.button("Profile again", key=f"reprofile_{name}_{version}"):
                return
            job = None
        if job is None:
            st.session_state[key] = store.submit_profile(name, version)
            track(st.session_state[key])
        st.info("Profiling in the background; it appears here when done.", icon=":material/hourglass_top:")
        return
    st.plotly_chart(missing_values_figure(profile), width="stretch", key=f"missing_{name}_{version}")
    st.dataframe(pd.DataFrame(summary_rows(profile)), hide_index=True, width="stretch")
    names = [c["name"] for c in profile["columns"]]
    chosen = st.selectbox("Column", names, key=f"column_{name}")
    column = next(c for c in profile["columns"] if c["name"] == chosen)
    core = "histogram_core" in column and st.toggle(
        "Hide outliers (show the 1st–99th percentile)", value=True, key=f"core_{name}_{chosen}",
        help="Extreme values stretch this column's range; the full range is one click away.",
    )
    left, right = st.columns(2)
    histogram = histogram_figure(column, core=core)
    top = top_values_figure(column)
    if histogram is not None:
        left.plotly_chart(histogram, width="stretch", key=f"hist_{name}_{chosen}")
    if top is not None:
        (right if histogram is not None else left).plotly_chart(top, width="stretch", key=f"top_{name}_{chosen}")
    if core:
        st.caption(f"{column['histogram_core']['outside']:,} values outside the 1st–99th percentile are not drawn.")
    if histogram is None and top is None:
        if column.get("top"):
            st.caption(f"Every value of {chosen} is distinct: it looks like a key.")
        else:
            st.caption("No distribution to draw for this column (all values missing, or a nested type).")
    if not profile.get("exact_distinct", True):
        st.caption("Distinct counts are approximate (HyperLogLog) on tables over 2M rows.")
    if column.get("quantiles"):
        st.caption("Quantiles (approximate): " + ", ".join(f"{k} {v:,.4g}" for k, v in column["quantiles"].items() if v is not None))


def source_detail(name: str) -> None:
    versions = store.versions(name)
    numbers = [v.version for v in versions]
    header, picker = st.columns([3, 1])
    version_number = picker.selectbox("Version", numbers, key=f"version_{name}", format_func=lambda n: f"v{n}" + (" (newest)" if n == numbers[0] else ""))
    source = next(v for v in versions if v.version == version_number)
    header.subheader(f"{source.name}  ·  v{source.version}")
    header.caption(f"from {source.origin.get('file') or source.origin.get('url')} · added {ago(source.created_at)} · content {source.content_hash[:12]}")
    metrics = st.columns(4)
    metrics[0].metric("Rows", f"{source.rows:,}")
    metrics[1].metric("Columns", len(source.columns))
    metrics[2].metric("Size in the lake", human_bytes(source.bytes))
    metrics[3].metric("Versions", len(versions))
    profile_tab, preview_tab, versions_tab, manage_tab = st.tabs(["Profile", "Preview", "Versions", "Manage"])
    with profile_tab:
        profile_section(name, source.version)
    with preview_tab:
        st.caption("The first 100 rows.")
        st.dataframe(store.preview(name, 100, source.version), width="stretch", hide_index=True)
    with versions_tab:
        st.dataframe(
            pd.DataFrame(
                [{"version": v.version, "rows": v.rows, "columns": len(v.columns), "content": v.content_hash[:12], "added": ago(v.created_at), "from": v.origin.get("file") or v.origin.get("url")} for v in versions]
            ),
            hide_index=True,
            width="stretch",
        )
    with manage_tab:
        new_name = st.text_input("New name", value=name, key=f"rename_{name}")
        st.button(
            "Rename", key=f"rename_button_{name}", disabled=new_name == name,
            on_click=run_and_select, args=(lambda: store.rename(name, new_name), new_name),
        )
        target = st.text_input("Export to a path on this machine (.parquet or .csv)", key=f"export_{name}", placeholder="/tmp/export.parquet")
        if st.button("Export", key=f"export_button_{name}", disabled=not target):
            with user_errors():
                written = store.export(name, target, source.version)
                st.success(f"Wrote v{source.version} to {written}")
        st.divider()
        if st.button("Delete this source…", key=f"delete_{name}", icon=":material/delete:"):
            confirm_delete(name, len(versions))


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
    st.dataframe(listing, hide_index=True, width="stretch")
    selected = st.selectbox("Source", names, key="selected_source")
    with user_errors():
        source_detail(selected)
