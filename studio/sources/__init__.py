"""Sources: readers for files and databases, immutable versions in the lake, profiles."""

from studio.sources._readers import BAD_ROWS, EXTENSIONS, FORMATS, ReadOptions, excel_sheets, parse_types
from studio.sources._store import SourceStore, suggest_name
from studio.tables import AddResult, TableVersion
from studio.versioned import validate_name

__all__ = [
    "BAD_ROWS",
    "EXTENSIONS",
    "FORMATS",
    "AddResult",
    "ReadOptions",
    "SourceStore",
    "TableVersion",
    "excel_sheets",
    "parse_types",
    "suggest_name",
    "validate_name",
]
