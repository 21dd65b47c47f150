"""Named lake tables with immutable versions (sources and datasets are both tables) and their
column profiles."""

from studio.tables._profile import PROFILE_FORMAT, column_kind, profile_parquet
from studio.tables._store import TABLE_KINDS, TABLE_NAMESPACE, AddResult, TableStore, TableVersion

__all__ = ["PROFILE_FORMAT", "TABLE_KINDS", "TABLE_NAMESPACE", "AddResult", "TableStore", "TableVersion", "column_kind", "profile_parquet"]
