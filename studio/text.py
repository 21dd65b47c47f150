"""Words a person reads, shared by the CLI, the job messages and the error lines."""


def plural(count: int, noun: str) -> str:
    """``row`` for 1, ``rows`` for any other count."""
    return noun if count == 1 else f"{noun}s"


def counted(count: int, noun: str) -> str:
    """``1 row``, ``1,000 rows``."""
    return f"{count:,} {plural(count, noun)}"
