"""What a running job function gets to report with."""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.jobs._store import JobStore


class JobContext:
    """Progress and log reporting for one job. Without a store it reports only to
    ``on_progress`` (or nowhere), so the same stage function serves the CLI and a worker."""

    def __init__(
        self, store: "JobStore | None" = None, job_id: int | None = None, on_progress: Callable[[float, str], None] | None = None
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.on_progress = on_progress

    @classmethod
    def null(cls) -> "JobContext":
        return cls()

    def progress(self, fraction: float, message: str) -> None:
        if self.store is not None and self.job_id is not None:
            self.store.set_progress(self.job_id, fraction, message)
        if self.on_progress is not None:
            self.on_progress(fraction, message)

    def log(self, message: str, level: str = "info") -> None:
        if self.store is not None and self.job_id is not None:
            self.store.log(self.job_id, message, level)
