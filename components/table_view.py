"""The detail view every versioned table gets (sources and datasets): version picker,
metrics, profile, preview, versions, rename/export/delete; pages add their own tabs."""

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from components.jobs_view import HEAD, track
from components.layout import ago, count_column, human_bytes, keep_error, outcome, user_errors
from components.profile_charts import histogram_figure, looks_like_key, missing_values_figure, number_text, summary_rows, top_values_figure
from studio import StudioError, Workspace
from studio.tables import TableStore, TableVersion

TABLE_ROWS = 30  # rows a summary table shows before it scrolls
SUMMARY_WIDTHS = {"column": 130, "type": 105, "nulls %": 70, "distinct": 80, "min": 150, "max": 150, "mean": 90, "top value": 150}
DOWNLOAD_LIMIT_MB = 50  # a browser download is built in memory; larger tables export to a path
RENAMED, DELETED = "rename", "delete"
PLACES = (RENAMED, DELETED)  # where the detail view shows its outcomes (for page_header)


def date_only_columns(frame: pd.DataFrame) -> list[str]:
    """Timestamp columns whose values all fall at midnight: DuckDB hands DATE values to pandas
    as timestamps, which a table would show as 2026-01-02 00:00:00."""
    dates = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_dtype(values):
            present = values.dropna()
            if (present == present.dt.normalize()).all():
                dates.append(name)
    return dates


def cell_text(value: Any) -> str:
    """A value as one cell of text (side-by-side records mix columns of every type): dates as
    dates, whole numbers without a decimal point (4.0 from one source reads as 4 from the
    other) and without thousands separators (ids, postcodes), a dash for missing."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "—"
    if isinstance(value, pd.Timestamp) and value.tzinfo is None and value == value.normalize():
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def show_table(frame: pd.DataFrame, **options: Any) -> None:
    """st.dataframe with dates shown as dates (see ``date_only_columns``)."""
    dates = {name: st.column_config.DateColumn(str(name), format="YYYY-MM-DD") for name in date_only_columns(frame)}
    st.dataframe(frame, column_config={**dates, **options.pop("column_config", {})}, **options)


def run_and_select(action: Callable[[], Any], selection_key: str, selected: str | None, place: str = HEAD) -> None:
    """A button callback: do ``action`` and select ``selected``; a StudioError is kept to show
    at ``place`` on the next run (callbacks run before widgets exist, so the selection can
    change)."""
    try:
        action()
    except StudioError as exc:
        keep_error(exc.message, place)
        return
    if selected is None:
        st.session_state.pop(selection_key, None)
    else:
        st.session_state[selection_key] = selected


def rename_table(store: TableStore, name: str, selection_key: str) -> None:
    """Rename button callback. The new name is read from the field when the click arrives (a
    name captured when the button was drawn can be a run older than the text typed)."""
    new_name = st.session_state[f"rename_{name}"]
    run_and_select(lambda: store.rename(name, new_name), selection_key, new_name, RENAMED)


def export_version(store: TableStore, name: str, version: int) -> None:
    """Export button callback: write the file, untick "replace" again (an overwrite is asked
    for each time), and keep the outcome to show under the button."""
    try:
        written = store.export(name, st.session_state[f"export_{name}"], version, overwrite=st.session_state.get(f"export_overwrite_{name}", False))
    except StudioError as exc:
        st.session_state[f"export_outcome_{name}"] = ("error", exc.message)
        return
    st.session_state[f"export_overwrite_{name}"] = False
    st.session_state[f"export_outcome_{name}"] = ("success", f"Wrote v{version} to {written}")


def export_bytes(store: TableStore, name: str, version: int, suffix: str) -> bytes:
    """A version as the bytes of a .csv or .parquet file, written by the same export as the
    CLI's (for a browser download; called only when the button is clicked)."""
    with tempfile.TemporaryDirectory(prefix="studio-download-") as folder:
        return store.export(name, Path(folder) / f"{name}{suffix}", version).read_bytes()


def download_buttons(store: TableStore, table: TableVersion) -> None:
    """Browser downloads of a version that fits the limit; the limit and the way round it are
    said either way."""
    if table.bytes > DOWNLOAD_LIMIT_MB * 1024 * 1024:
        st.caption(
            f"Download in the browser: up to {DOWNLOAD_LIMIT_MB} MB in the lake; v{table.version} is {human_bytes(table.bytes)}. "
            f"Export it to a path on this machine below, or run `studio {store.kind}s export {table.name} PATH --version {table.version}`."
        )
        return
    st.caption(f"Download in the browser (tables up to {DOWNLOAD_LIMIT_MB} MB in the lake; larger ones export to a path below).")
    for column, (label, suffix, mime) in zip(st.columns(2), (("CSV", ".csv", "text/csv"), ("Parquet", ".parquet", "application/vnd.apache.parquet"))):
        column.download_button(
            f"Download v{table.version} as {label}",
            data=partial(export_bytes, store, table.name, table.version, suffix),
            file_name=f"{table.name}_v{table.version}{suffix}",
            mime=mime,
            key=f"download_{suffix[1:]}_{table.name}",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )


@st.dialog("Delete")
def confirm_delete(store: TableStore, name: str, versions: int, selection_key: str) -> None:
    st.write(f"Delete **{name}** and its {versions} version(s)? Files nothing else uses are removed. This cannot be undone.")
    left, right = st.columns(2)
    if left.button("Delete", type="primary", key="confirm_delete", on_click=run_and_select, args=(lambda: store.delete(name), selection_key, None, DELETED)):
        st.rerun()
    if right.button("Keep it", key="cancel_delete"):
        st.rerun()


def profile_section(current: Workspace, store: TableStore, name: str, version: int) -> None:
    profile = store.cached_profile(name, version)
    if profile is None:
        key = f"profiling_{store.kind}_{name}_{version}"
        job = current.jobs.get(st.session_state[key]) if key in st.session_state else None
        if job is not None and not job.active and job.status != "succeeded":
            st.error(f"Profiling failed: {job.error or job.status}", icon=":material/error:")
            if not st.button("Profile again", key=f"reprofile_{name}_{version}"):
                return
            job = None
        if job is None:
            st.session_state[key] = store.submit_profile(name, version)
            track(st.session_state[key])
            st.rerun()  # the page polls the jobs it tracks from its top
        st.info("Profiling in the background; it appears here when done.", icon=":material/hourglass_top:")
        return
    st.plotly_chart(missing_values_figure(profile), width="stretch", key=f"missing_{name}_{version}")
    summary = pd.DataFrame(summary_rows(profile))
    # Every row in view up to TABLE_ROWS columns (the default height cuts the eleventh off).
    st.dataframe(
        summary, hide_index=True, width="stretch", height="content" if len(summary) <= TABLE_ROWS else 35 * (TABLE_ROWS + 1),
        placeholder="—",
        # Widths that fit a whole timestamp in min, max and top value beside narrow counts.
        column_config={name: st.column_config.Column(name, width=width) for name, width in SUMMARY_WIDTHS.items()} | {
            "distinct": st.column_config.NumberColumn("distinct", format="localized", width=SUMMARY_WIDTHS["distinct"])
        },
    )
    names = [c["name"] for c in profile["columns"]]
    chosen = st.selectbox("Column", names, key=f"column_{name}")
    column = next(c for c in profile["columns"] if c["name"] == chosen)
    if looks_like_key(column):
        span = f" ({number_text(column['min'])} to {number_text(column['max'])})" if column["kind"] == "numeric" else ""
        st.caption(f"Every value of {chosen} is distinct{span}: it looks like a key.")
        return
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
        st.caption("No distribution to draw for this column (all values missing, or a nested type).")
    if not profile.get("exact_distinct", True):
        st.caption("Distinct counts are approximate (HyperLogLog) on tables over 2M rows.")
    if column.get("quantiles"):
        st.caption("Quantiles (approximate): " + ", ".join(f"{k} {number_text(v, digits=4)}" for k, v in column["quantiles"].items() if v is not None))


def table_detail(
    current: Workspace, store: TableStore, name: str, selection_key: str, extra_tabs: dict[str, Callable[[TableVersion, list[TableVersion]], None]] | None = None
) -> None:
    versions = store.versions(name)
    numbers = [v.version for v in versions]
    header, picker = st.columns([3, 1])
    version_number = picker.selectbox("Version", numbers, key=f"version_{name}", format_func=lambda n: f"v{n}" + (" (newest)" if n == numbers[0] else ""))
    table = next(v for v in versions if v.version == version_number)
    header.subheader(f"{table.name}  ·  v{table.version}")
    header.caption(f"from {table.origin_text()} · made {ago(table.created_at)} · content {table.content_hash[:12]}")
    metrics = st.columns(4)
    metrics[0].metric("Rows", f"{table.rows:,}")
    metrics[1].metric("Columns", len(table.columns))
    metrics[2].metric("Size in the lake", human_bytes(table.bytes))
    metrics[3].metric("Versions", len(versions))
    extra_tabs = extra_tabs or {}
    # A key keeps the open tab when messages above it come and go (a finished job's line).
    tabs = st.tabs(["Profile", "Preview", *extra_tabs, "Versions", "Manage"], key=f"tabs_{store.kind}_{name}")
    with tabs[0]:
        profile_section(current, store, name, table.version)
    with tabs[1]:
        st.caption("The first 100 rows.")
        show_table(store.preview(name, 100, table.version), width="stretch", hide_index=True)
    for tab, draw in zip(tabs[2:], extra_tabs.values()):
        with tab, user_errors():
            draw(table, versions)
    with tabs[-2]:
        st.dataframe(
            pd.DataFrame(
                [{"version": v.version, "rows": v.rows, "columns": len(v.columns), "content": v.content_hash[:12], "made": ago(v.created_at), "from": v.origin_text()} for v in versions]
            ),
            hide_index=True,
            width="stretch",
            column_config={"rows": count_column("rows")},
        )
    with tabs[-1]:
        new_name = st.text_input("New name", value=name, key=f"rename_{name}")
        st.button(
            "Rename", key=f"rename_button_{name}", disabled=new_name == name,
            on_click=rename_table, args=(store, name, selection_key),
        )
        outcome(current, RENAMED)
        st.divider()
        download_buttons(store, table)
        target = st.text_input("Export to a path on this machine (.parquet or .csv)", key=f"export_{name}", placeholder="/tmp/export.parquet")
        st.checkbox("Replace the file if it exists", key=f"export_overwrite_{name}", help="Once only: unticked again after each export.")
        st.button("Export", key=f"export_button_{name}", disabled=not target, on_click=export_version, args=(store, name, table.version))
        exported = st.session_state.pop(f"export_outcome_{name}", None)
        if exported is not None:
            (st.success if exported[0] == "success" else st.error)(exported[1])
        st.divider()
        if st.button(f"Delete this {store.kind}…", key=f"delete_{name}", icon=":material/delete:"):
            confirm_delete(store, name, len(versions), selection_key)
        outcome(current, DELETED)
