"""The progress callback every long fuzzy step takes: (fraction done, message)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None] | None


def report(on_progress: Progress, fraction: float, message: str) -> None:
    if on_progress is not None:
        on_progress(fraction, message)
