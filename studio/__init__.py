"""Studio: an open-source data-and-model studio. The public API is small on purpose:
open a ``Workspace`` and use its stores (``workspace.sources``, ``workspace.jobs``)."""

from studio.errors import NotFound, StudioError
from studio.settings import Settings
from studio.workspace import Workspace

__version__ = "0.1.0"
__all__ = ["NotFound", "Settings", "StudioError", "Workspace", "__version__"]
