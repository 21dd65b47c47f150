"""Named lake tables with immutable versions (sources and datasets are both tables) and their
column profiles."""

from studio.tables._profile import PROFILE_FORMAT, column_kind, profile_parquet
from studio.tables._store import AddResult, TableStore, TableVersion, lake_tables, profile_job, validate_name

__all__ = ["PROFILE_FORMAT", "AddResult", "TableStore", "TableVersion", "column_kind", "lake_tables", "profile_job", "profile_parquet", "validate_name"]
