"""The ``studio`` command. Thin: every command calls the same functions as the pages.

One module per stage (``app``: init, demo, app; ``sources``; ``consolidate``: dedupe and
recipes; ``datasets``; ``jobs``; ``sql``; ``settings``), what they share in ``_common`` (the
error group, --workspace/--json, JSON output, confirmation, progress) and ``_tables`` (the
table commands of sources and datasets); ``_main`` gathers them into ``main``.
"""

from studio.cli._main import main

__all__ = ["main"]
