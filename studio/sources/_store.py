"""SourceStore: load files and databases as new versions of sources (the versioned-table
machinery they share with datasets is in ``studio.tables``). Adding writes the Parquet file to a scratch
path first, moves it into the lake, then commits the metadata row; any failure before the
commit removes what was written, so nothing half-registered is ever visible.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from studio.errors import StudioError
from studio.jobs import JobContext
from studio.lake import atomic_replace
from studio.meta import hide_password
from studio.sources._database import write_database
from studio.sources._readers import WRITERS, ReadOptions, detect_format, is_gzipped
from studio.tables import AddResult, TableStore
from studio.versioned import validate_name


UPLOAD_NAME_MAX_BYTES = 200  # file systems allow 255; the temp name adds a few


def suggest_name(filename: str) -> str:
    """A valid source name from a file name: ``Orders 2024.csv`` -> ``orders_2024``."""
    path = Path(filename)
    stem = Path(path.stem).stem if is_gzipped(path) else path.stem
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_").lower() or "source"
    return ("_" + stem if stem[0].isdigit() else stem)[:63]


def upload_file_name(filename: str) -> str:
    """A browser's name for an uploaded file as a name inside its upload folder: its last part
    (a browser may send a path, with / or \\), never ``.`` or ``..``, no NUL, and at most
    UPLOAD_NAME_MAX_BYTES with the extensions kept, as the format is read from them."""
    name = re.split(r"[/\\]", filename)[-1].replace("\x00", "").strip()
    if name in ("", ".", ".."):
        return "upload"
    suffix = "".join(s for s in Path(name).suffixes[-2:] if len(s) <= 8)  # .csv, .csv.gz
    stem = name[: len(name) - len(suffix)]
    room = UPLOAD_NAME_MAX_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


class SourceStore(TableStore):
    """Sources: tables loaded from files and databases."""

    kind = "source"
    reads = ("source",)
    noun = "source"
    list_command = "studio sources list"
    versions_command = "studio sources versions"

    # ------------------------------------------------------------ adding

    def add_file(
        self,
        path: Path | str,
        name: str,
        options: ReadOptions | None = None,
        context: JobContext | None = None,
        label: str | None = None,
    ) -> AddResult:
        """Load a file as a new version of source ``name`` (or find it unchanged)."""
        path = Path(path)
        options = options or ReadOptions()
        context = context or JobContext()
        label = label or path.name
        validate_name(name)
        if not path.exists():
            raise StudioError(f"{path}: no such file; check the path")
        if not path.is_file():
            raise StudioError(f"{path}: is a folder, not a file")
        size = path.stat().st_size
        limit_mb = self.services.settings().max_source_mb
        if size > limit_mb * 1024 * 1024:
            raise StudioError(
                f"{label}: is {size / 1024 / 1024:,.0f} MB, over the workspace limit of {limit_mb:,} MB; "
                f"raise it with `studio settings max_source_mb N`"
            )
        if size == 0:
            raise StudioError(f"{label}: the file is empty")
        fmt = detect_format(path, options.format)
        temp = self.lake.temp_path()
        context.progress(0.02, f"reading {label}")
        try:
            with self.lake.connect() as con:
                details = WRITERS[fmt](con, path, options, fmt, temp, context.progress, label)
            origin = {"kind": "file", "file": label, "path": str(path.resolve()), "format": fmt, "file_bytes": size, "options": options.to_json(), **details}
            return self.register([(name, temp, origin)], label, context)[0]
        finally:
            temp.unlink(missing_ok=True)

    def add_database(
        self,
        url: str,
        name: str,
        table: str | None = None,
        query: str | None = None,
        context: JobContext | None = None,
    ) -> AddResult:
        """Load a table or query result from SQLite or PostgreSQL as a version of ``name``."""
        validate_name(name)
        context = context or JobContext()
        temp = self.lake.temp_path()
        context.progress(0.02, f"connecting to {hide_password(url)}")
        try:
            details = write_database(url, table, query, self.lake, temp, context.progress)
            return self.register([(name, temp, {"kind": "database", **details})], hide_password(url), context)[0]
        finally:
            temp.unlink(missing_ok=True)

    def submit_add_file(self, path: Path, name: str, options: ReadOptions, label: str, remove_after: bool = False) -> int:
        """Run ``add_file`` (then profile) as a background job; returns the job id."""
        validate_name(name)
        params = {"path": str(path), "name": name, "options": options.__dict__, "label": label, "remove_after": remove_after}
        return self.services.submit_job("source.add_file", params, f"Add {label} as {name}")

    def submit_add_database(self, url: str, name: str, table: str | None, query: str | None) -> int:
        validate_name(name)
        params = {"url": url, "name": name, "table": table, "query": query}
        return self.services.submit_job("source.add_database", params, f"Add {table or 'query'} from {hide_password(url)} as {name}")

    def save_upload(self, filename: str, data: bytes) -> Path:
        """Write uploaded bytes atomically to ``uploads/<random>/<name>`` for an add job,
        ``name`` being the browser's file name made safe (``upload_file_name``)."""
        safe = upload_file_name(filename)
        folder = self.services.root / "uploads" / uuid.uuid4().hex
        folder.mkdir(parents=True)
        try:
            temp = folder / f".{safe}.part"
            temp.write_bytes(data)
            target = folder / safe
            atomic_replace(temp, target)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return target
