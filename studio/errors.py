"""The one exception type a user sees.

Every failure a user can cause (bad file, bad URL, bad name, bad SQL) is raised as a
``StudioError`` whose message is one line that names the problem and the fix. The CLI prints
it as ``error: <message>``; pages show it with ``st.error``. Anything else is a bug.
"""


class StudioError(Exception):
    """A user-facing failure with a one-line message."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class NotFound(StudioError):
    """A named thing (source, job, version) does not exist."""
