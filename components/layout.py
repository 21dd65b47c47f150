"""The workspace handle, the sidebar and small helpers every page uses."""

import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from components.jobs_view import HEAD, head_job_lines, job_lines
from studio import StudioError, Workspace
from studio.workspace import default_root

FLASH_KEY = "flash_errors"  # {place: message}: errors kept by callbacks, shown once


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


def ask(key: str) -> None:
    """Button callback: note that the user asked for ``key``. The page acts on it with
    ``asked(key)`` where it has what it needs: a note in session state survives a script run
    that is cut short (by a rerun), which a button's own value does not."""
    st.session_state[key] = True


def asked(key: str) -> bool:
    """Whether the user asked for ``key`` since the last time this was called."""
    return bool(st.session_state.pop(key, False))


def keep_error(message: str, place: str = HEAD) -> None:
    """Keep a callback's error to show on the next run at ``place`` (callbacks run before the
    page is drawn, so they cannot show it themselves)."""
    st.session_state.setdefault(FLASH_KEY, {})[place] = message


def _flash_errors(shows: Callable[[str], bool]) -> None:
    kept: dict[str, str] = st.session_state.get(FLASH_KEY, {})
    for place in [place for place in kept if shows(place)]:
        st.error(kept.pop(place), icon=":material/error:")


def outcome(current: Workspace, place: str) -> None:
    """What the user's last click at ``place`` led to, drawn at that spot: an error kept by its
    callback, then the progress and outcome of the jobs tracked there."""
    with st.container(key=f"outcome_{place}"):
        _flash_errors(lambda at: at == place)
        job_lines(current, place)


def page_header(title: str, caption: str | None = None, places: Collection[str] = ()) -> Workspace:
    """The top of a page: its title, then what this tab's callbacks and jobs have to say (a
    kept error, how ended jobs ended, progress of running ones), except at the ``places`` the
    page draws itself further down with ``outcome``. Returns the workspace."""
    current = workspace()
    st.title(title)
    if caption:
        st.caption(caption)
    # One container, so the elements below keep their place as lines come and go.
    with st.container(key="outcome_head"):
        _flash_errors(lambda at: at not in places)
        head_job_lines(current, places)
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
