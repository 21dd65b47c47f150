"""Workspace settings: each field carries its own label, help text and minimum, so the page,
the CLI and the validation read one definition."""

from dataclasses import dataclass, field, fields
from typing import Any

from studio.errors import StudioError


def _setting(default: int, label: str, help: str, minimum: int = 0) -> Any:
    return field(default=default, metadata={"label": label, "help": help, "minimum": minimum})


@dataclass(frozen=True)
class SettingInfo:
    key: str
    label: str
    help: str
    minimum: int
    default: int


@dataclass(frozen=True)
class Settings:
    """Workspace settings, stored in the metadata DB; every field has a safe default."""

    max_source_mb: int = _setting(4096, "Largest source (MB)", "Largest file a source may be added from, in MB.", minimum=1)
    duckdb_memory_limit_mb: int = _setting(
        1536, "DuckDB memory per connection (MB)", "Memory DuckDB may use per connection before spilling to disk, in MB.", minimum=128
    )
    duckdb_threads: int = _setting(0, "DuckDB threads per connection", "Threads per DuckDB connection (0: one per core).")
    job_heartbeat_timeout_s: int = _setting(
        30, "Job heartbeat timeout (s)", "Seconds without a heartbeat before a job's worker is taken as dead.", minimum=5
    )
    sql_timeout_s: int = _setting(30, "SQL time limit (s)", "Seconds a user SQL statement (studio sql) may run before it is stopped.", minimum=1)
    sql_memory_limit_mb: int = _setting(1024, "SQL memory limit (MB)", "Memory a user SQL statement may use, in MB.", minimum=64)
    max_running_jobs: int = _setting(
        0, "Jobs running at once", "Jobs that may run at once; the others wait in the queue, first come first served (0: one per core)."
    )

    @classmethod
    def describe(cls) -> list[SettingInfo]:
        """Every setting with its label, help and minimum, in definition order."""
        return [SettingInfo(f.name, f.metadata["label"], f.metadata["help"], f.metadata["minimum"], f.default) for f in fields(cls)]

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def minimum(cls, key: str) -> int:
        """The smallest value that keeps the workspace working."""
        return next(info.minimum for info in cls.describe() if info.key == key)

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> "Settings":
        """Settings from the stored key/value rows; unknown keys (from a newer studio) are ignored."""
        return cls(**{key: value for key, value in stored.items() if key in cls.field_names()})

    @classmethod
    def checked(cls, key: str, value: Any) -> int:
        """``value`` as the whole number setting ``key`` takes, or a one-line error."""
        if key not in cls.field_names():
            raise StudioError(f"unknown setting {key!r}; choose one of {', '.join(cls.field_names())}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise StudioError(f"setting {key} takes a whole number, not {value!r}") from None
        if number < cls.minimum(key):
            raise StudioError(f"setting {key} must be at least {cls.minimum(key)}")
        return number
