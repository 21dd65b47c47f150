"""The workspace handle, the sidebar and small helpers every page uses."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from components.jobs_view import finished_messages, pending_jobs
from studio import StudioError, Workspace
from studio.workspace import default_root

FLASH_KEY = "flash_error"


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


def flash_errors() -> None:
    """An error kept by a button callback, shown once (in one container, so the elements
    below keep their place)."""
    with st.container():
        if FLASH_KEY in st.session_state:
            st.error(st.session_state.pop(FLASH_KEY), icon=":material/error:")


def page_header(title: str, caption: str | None = None) -> Workspace:
    """The top of a page: its title, then what this tab's callbacks and jobs have to say (an
    error kept by a callback, how finished jobs ended, progress of running ones). Returns the
    workspace."""
    current = workspace()
    st.title(title)
    if caption:
        st.caption(caption)
    flash_errors()
    finished_messages(current)
    pending_jobs(current)
    return current


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
