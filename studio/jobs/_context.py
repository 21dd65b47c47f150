"""What a running job function gets to report with."""

import threading
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
        self.saving_what: str | None = None  # set once the job is storing its result
        # Held while a cancel is decided (and the process ends) or the point of no return is
        # passed, so a job never starts saving in the instant it is being cancelled.
        self.cancel_lock = threading.Lock()
        self.on_cancel: list[Callable[[], None]] = []  # run before a cancelled worker exits

    def progress(self, fraction: float, message: str) -> None:
        if self.store is not None and self.job_id is not None:
            self.store.set_progress(self.job_id, fraction, message)
        if self.on_progress is not None:
            self.on_progress(fraction, message)

    def point_of_no_return(self, what: str) -> None:
        """From here on the job is saving its result (``what``): a cancel request no longer
        stops it, so a result is never half-stored nor reported cancelled once it exists."""
        with self.cancel_lock:
            self.saving_what = what

    def log(self, message: str, level: str = "info") -> None:
        if self.store is not None and self.job_id is not None:
            self.store.log(self.job_id, message, level)
