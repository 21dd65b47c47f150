"""The workspace handle, the sidebar and small helpers every page uses."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from studio import StudioError, Workspace
from studio.workspace import default_root


@st.cache_resource(show_spinner=False)
def _workspace(root: str) -> Workspace:
    return Workspace.init(Path(root))


def workspace() -> Workspace:
    """The workspace this app serves ($STUDIO_WORKSPACE, set by `studio app`)."""
    return _workspace(str(default_root().resolve()))


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a StudioError as one st.error line instead of a traceback."""
    try:
        yield
    except StudioError as exc:
        st.error(exc.message, icon=":material/error:")


def sidebar() -> None:
    current = workspace()
    with st.sidebar:
        st.caption(f"Workspace  \n`{current.root}`")


def count_column(label: str) -> "st.column_config.NumberColumn":
    """A table column of counts, with thousands separators."""
    return st.column_config.NumberColumn(label, format="localized")


def ago(timestamp: float | None) -> str:
    """'12 s ago', '5 min ago', '3 h ago', or a date."""
    if timestamp is None:
        return ""
    seconds = time.time() - timestamp
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TB"
