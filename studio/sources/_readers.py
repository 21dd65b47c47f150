"""File readers: turn one CSV/TSV, Parquet, JSON/NDJSON or Excel file into one Parquet file.

Each reader validates at the edge (empty, binary, encoding, ragged rows, column names, no data)
and raises ``StudioError`` with a one-line message naming the file and the problem. The heavy
lifting is DuckDB's (parallel, out of core); Excel goes through openpyxl in read-only mode.
"""

import codecs
import csv
import gzip
import io
import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from charset_normalizer import from_bytes

from studio.errors import StudioError
from studio.lake import sql_literal
from studio.text import counted

FORMATS = ("csv", "tsv", "parquet", "json", "ndjson", "xlsx")
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
# Python codec name -> DuckDB encoding name, for the encodings DuckDB reads natively.
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-16": "utf-16", "iso8859-1": "latin-1", "latin-1": "latin-1", "ascii": "utf-8"}
_PY_CODEC = {"utf-8": "utf-8", "utf-16": "utf-16", "latin-1": "latin-1"}
BAD_ROWS = ("error", "skip", "pad")
REJECTS_TABLE = "studio_rejected_rows"
GZIP_SUFFIX = ".gz"
GZIP_FORMATS = ("csv", "tsv", "json", "ndjson")  # DuckDB reads these gzipped
SNIFF_BYTES = 256 * 1024
_TYPE_PATTERN = re.compile(
    r"^(VARCHAR|TEXT|BOOLEAN|TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
    r"FLOAT|REAL|DOUBLE|DATE|TIME|TIMESTAMP|TIMESTAMPTZ|DECIMAL\(\d{1,2},\s*\d{1,2}\)|DECIMAL)$",
    re.IGNORECASE,
)

ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; every field left empty is sniffed."""

    format: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    encoding: str | None = None
    sheet: str | None = None
    types: dict[str, str] = field(default_factory=dict)
    bad_rows: str = "error"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {}, "error")}


def parse_types(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["zip=VARCHAR", "amount=DOUBLE"]`` -> ``{"zip": "VARCHAR", "amount": "DOUBLE"}``."""
    types = {}
    for pair in pairs:
        column, sep, type_name = pair.partition("=")
        if not sep or not column.strip() or not type_name.strip():
            raise StudioError(f"a column type is COLUMN=TYPE (e.g. zip=VARCHAR), not {pair!r}")
        types[column.strip()] = type_name.strip()
    return types


def is_gzipped(path: Path) -> bool:
    return path.suffix.lower() == GZIP_SUFFIX


def detect_format(path: Path, requested: str | None) -> str:
    """The format asked for, else the one the extension names (``orders.csv.gz``: csv)."""
    suffix = Path(path.stem).suffix if is_gzipped(path) else path.suffix
    if requested:
        fmt = requested.lower()
        if fmt not in FORMATS:
            raise StudioError(f"{path.name}: unknown format {requested!r}; use one of {', '.join(FORMATS)}")
    else:
        found = EXTENSIONS.get(suffix.lower())
        if found is None:
            raise StudioError(
                f"{path.name}: cannot tell the format from the extension {suffix or '(none)'!r}; "
                f"pass --format ({', '.join(FORMATS)})"
            )
        fmt = found
    if is_gzipped(path) and fmt not in GZIP_FORMATS:
        raise StudioError(f"{path.name}: gzip-compressed {fmt} is not read; decompress it first (gunzip {path.name})")
    return fmt


def _open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzipped (DuckDB reads those by itself)."""
    return gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")


def _gzip_error(exc: Exception) -> str:
    """One message for a damaged gzip file, whether Python's gzip or DuckDB found it."""
    text = str(exc)
    if isinstance(exc, EOFError) or "Unexpected end" in text:
        problem = "it is cut short"
    elif isinstance(exc, gzip.BadGzipFile) or "not a GZIP" in text:
        problem = "it is not gzip data"
    else:
        problem = "its data is damaged"
    return f"not a readable gzip file ({problem}); check the file is complete, or decompress it first"


def _read_sample(path: Path, label: str) -> bytes:
    try:
        with _open_bytes(path) as handle:
            return handle.read(SNIFF_BYTES)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise StudioError(f"{label}: {_gzip_error(exc)}") from None


def check_column_names(names: list[str], label: str) -> None:
    """Empty names and names equal but for case (DuckDB identifiers ignore case) are refused."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name is None or not str(name).strip():
            raise StudioError(f"{label}: column {position} has an empty name; give every column a header")
        key = str(name).strip().lower()
        if key in seen:
            raise StudioError(
                f"{label}: column name {str(name)!r} appears twice (columns {seen[key]} and {position}); "
                "rename one of them"
            )
        seen[key] = position


def _first_duckdb_line(exc: Exception) -> str:
    text = str(exc)
    for prefix in ("Invalid Input Error: ", "Conversion Error: ", "Binder Error: ", "IO Error: "):
        text = text.replace(prefix, "")
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _copy_to_parquet(
    con: duckdb.DuckDBPyConnection, select_sql: str, out: Path, progress: ProgressFn, label: str, translate: Callable[[Exception], str]
) -> None:
    """Run ``COPY (select) TO out`` while a thread forwards DuckDB's own query progress."""
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.5):
            fraction = con.query_progress()
            if fraction is not None and fraction >= 0:
                progress(min(0.95, fraction / 100.0), f"reading {label}")

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        con.execute(f"COPY ({select_sql}) TO {sql_literal(str(out))} (FORMAT parquet)")
    except duckdb.Error as exc:
        out.unlink(missing_ok=True)
        raise StudioError(f"{label}: {translate(exc)}") from None
    finally:
        done.set()
        poller.join()


# ---------------------------------------------------------------- CSV / TSV


def _sniff_encoding(sample: bytes, label: str) -> str:
    """UTF-8 or UTF-16 when the bytes say so; else cp1252 when it is a plausible reading (the
    common legacy encoding of tabular exports, and the safe reading of a few stray bytes);
    else charset-normalizer's best guess."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in sample:
        raise StudioError(f"{label}: looks like a binary file, not text (it contains NUL bytes); check you picked the right file")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if len(sample) == SNIFF_BYTES and exc.start > len(sample) - 4:  # a character cut by the sample's end
            return "utf-8"
    results = from_bytes(sample)
    candidates = [match.encoding for match in results]
    too_little_evidence = sum(byte > 127 for byte in sample) < 32
    if too_little_evidence or "cp1252" in candidates:
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    best = results.best()
    if best is None:
        raise StudioError(f"{label}: looks like a binary file, not text; check you picked the right file")
    return best.encoding


def _transcode_to_utf8(path: Path, encoding: str, out: Path, label: str) -> None:
    """Stream a legacy-encoded file into UTF-8 (DuckDB reads UTF-8, UTF-16 and latin-1 only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        with _open_bytes(path) as source, open(out, "w", encoding="utf-8", newline="") as target:
            while chunk := source.read(8 * 1024 * 1024):
                target.write(decoder.decode(chunk))
                offset += len(chunk)
            target.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        out.unlink(missing_ok=True)
        raise StudioError(f"{label}: byte {offset + exc.start:,} is not valid {encoding} text; set the file's encoding") from None


def _resolve_encoding(requested: str | None, sample: bytes, label: str) -> str:
    encoding = (requested or _sniff_encoding(sample, label)).strip().lower()
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise StudioError(f"{label}: unknown encoding {encoding!r}; use e.g. utf-8, utf-16, latin-1 or cp1252") from None
    return encoding


def _guess_ragged(text: str, delimiter: str | None, label: str, bad_rows: str = "error") -> str | None:
    """Find the first row whose field count differs from the header's (with ``pad``: the
    first longer row, as short ones get padded), so the error can name the line."""
    lines = text.splitlines()[:2000]
    if not lines:
        return None
    candidates = [delimiter] if delimiter else [",", ";", "\t", "|"]
    best = max(candidates, key=lambda d: lines[0].count(d))
    if not best or lines[0].count(best) == 0:
        return None
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=best))
    expected = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if row and (len(row) > expected if bad_rows == "pad" else len(row) != expected):
            return f"{label}: line {number} has {counted(len(row), 'field')} but the header has {expected}; {_ragged_fix(bad_rows, len(row) > expected)}"
    return None


def _ragged_fix(bad_rows: str, too_long: bool) -> str:
    if bad_rows == "pad" and too_long:
        return "'pad' only fills short rows: fix the row, or load with bad rows set to 'skip'"
    return "fix the row, or load with bad rows set to 'skip' or 'pad'"


def _translate_csv_error(encoding: str, bad_rows: str = "error") -> Callable[[Exception], str]:
    def translate(exc: Exception) -> str:
        text = str(exc)
        line = re.search(r"CSV Error on Line: (\d+)", text)
        where = f"line {line.group(1)}" if line else "a row"
        if "Invalid unicode" in text:
            return f"{where} is not valid {encoding} text; set the file's encoding (e.g. latin-1 or utf-16)"
        if "GZIP" in text.upper():
            return _gzip_error(exc)
        if "Expected Number of Columns" in text:
            found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
            detail = f" ({found.group(2)} fields, expected {found.group(1)})" if found else ""
            too_long = bool(found) and int(found.group(2)) > int(found.group(1))
            return f"{where} has the wrong number of fields{detail}; {_ragged_fix(bad_rows, too_long)}"
        if "Could not convert" in text or "Conversion Error" in text:
            column = re.search(r'Column at position: \d+ Set type: (\w+) Sniffed type: \w+|column "?([^"\s]+)"?', text)
            hint = f" in column {column.group(2)}" if column and column.group(2) else ""
            return f"{where}: a value{hint} does not fit the column's type; override that column's type (e.g. VARCHAR)"
        return _first_duckdb_line(exc)

    return translate


def _csv_source_sql(path: Path, sample: bytes, duck_encoding: str, options: ReadOptions, fmt: str, label: str) -> str:
    """The ``read_csv(...)`` call for this file (already in an encoding DuckDB reads)."""
    delimiter = options.delimiter or ("\t" if fmt == "tsv" else None)
    if options.bad_rows not in BAD_ROWS:
        raise StudioError(f"{label}: bad rows must be one of {', '.join(BAD_ROWS)}, not {options.bad_rows!r}")
    args = [f"encoding={sql_literal(duck_encoding)}", "skip=0"]
    if delimiter:
        args.append(f"delim={sql_literal(delimiter)}")
    if options.header is not None:
        args.append(f"header={'true' if options.header else 'false'}")
    if options.bad_rows == "skip":
        # Strict: a row with too many fields is skipped too, not cut to the header's width.
        args += ["ignore_errors=true"]
    elif options.bad_rows == "pad":
        args += ["null_padding=true"]  # strict: a longer row is an error, not cut short
    con = duckdb.connect()
    try:
        sniffed = con.execute(
            f"SELECT Delimiter, Quote, Escape, HasHeader, Columns FROM sniff_csv({sql_literal(str(path))}, {', '.join(args)})"
        ).fetchall()[0]
    except duckdb.Error as exc:
        if "Invalid unicode" in str(exc) or "GZIP" in str(exc).upper():
            raise StudioError(f"{label}: {_translate_csv_error(duck_encoding)(exc)}") from None
        raise StudioError(_layout_error(sample, duck_encoding, delimiter, options, label, _first_duckdb_line(exc))) from None
    finally:
        con.close()
    assert sniffed is not None
    sniffed_delimiter, quote, escape, has_header, columns = sniffed
    if len(columns) == 1 and not delimiter:
        first_line = sample.decode(_PY_CODEC[duck_encoding], errors="replace").split("\n", 1)[0]
        if any(candidate in first_line for candidate in (",", ";", "\t", "|")):
            raise StudioError(_layout_error(sample, duck_encoding, delimiter, options, label, "rows do not split into the same columns"))
    if options.header is None and _only_one_line(sample):
        # One line and nothing after it: a header with no data (as pandas reads it), never a
        # data row under made-up names, whatever its names are (`a,,a`, `a,a`).
        raise StudioError(f"{label}: has no data rows, only a header; nothing to add (if that line is data, read it without a header: --no-header)")
    header = options.header if options.header is not None else bool(has_header)
    dialect = [
        f"encoding={sql_literal(duck_encoding)}",
        "skip=0",
        f"delim={sql_literal(sniffed_delimiter)}",
        f"quote={sql_literal('' if quote == '(empty)' else quote)}",
        f"escape={sql_literal('' if escape == '(empty)' else escape)}",
    ]
    if header:
        names = _raw_header(sample, duck_encoding, sniffed_delimiter, quote)
        check_column_names(names, label)
        if len(columns) > len(names):  # 'pad' widened the table to a longer row of the sample
            text = sample.decode(_PY_CODEC[duck_encoding], errors="replace")
            raise StudioError(
                _guess_ragged(text, sniffed_delimiter, label, options.bad_rows)
                or f"{label}: some rows have more fields than the header's {len(names)}; {_ragged_fix(options.bad_rows, True)}"
            )
    else:
        names = [c["name"] for c in columns]
    read_args = dialect + [f"header={'true' if header else 'false'}"]
    read_args += [a for a in args if a.startswith(("ignore_errors", "null_padding", "strict_mode"))]
    if options.bad_rows == "skip":
        read_args += ["store_rejects=true", f"rejects_table={sql_literal(REJECTS_TABLE)}", f"rejects_scan={sql_literal(REJECTS_TABLE + '_scans')}"]
    if options.types:
        unknown = [name for name in options.types if name not in names]
        if unknown:
            raise StudioError(f"{label}: cannot set the type of {unknown[0]!r}: no such column (columns: {', '.join(names[:20])})")
        for name, type_name in options.types.items():
            if not _TYPE_PATTERN.match(type_name.strip()):
                raise StudioError(f"{label}: {type_name!r} is not a column type; use e.g. VARCHAR, BIGINT, DOUBLE, DATE, TIMESTAMP, BOOLEAN")
        mapping = ", ".join(f"{sql_literal(n)}: {sql_literal(t.strip().upper())}" for n, t in options.types.items())
        read_args.append(f"types={{{mapping}}}")
    return f"SELECT * FROM read_csv({sql_literal(str(path))}, {', '.join(read_args)})"


def _only_one_line(sample: bytes) -> bool:
    """The whole file (it fits in the sample) is a single non-empty line."""
    return len(sample) < SNIFF_BYTES and len([line for line in sample.splitlines() if line.strip()]) == 1


def _raw_header(sample: bytes, duck_encoding: str, delimiter: str, quote: str) -> list[str]:
    """The header row as written (DuckDB would rename duplicates and fill empty names)."""
    text = sample.decode(_PY_CODEC[duck_encoding], errors="replace").lstrip("\ufeff")
    if quote == "(empty)":
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote)
    return next(reader, [])


def _layout_error(sample: bytes, duck_encoding: str, delimiter: str | None, options: ReadOptions, label: str, detail: str) -> str:
    text = sample.decode(_PY_CODEC[duck_encoding], errors="replace")
    ragged = _guess_ragged(text, delimiter, label, options.bad_rows) if options.bad_rows in ("error", "pad") else None
    return ragged or f"{label}: could not detect the CSV layout ({detail}); set the delimiter and header"


def write_csv(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, fmt: str, out: Path, progress: ProgressFn, label: str) -> dict[str, Any]:
    sample = _read_sample(path, label)
    encoding = _resolve_encoding(options.encoding, sample, label)
    duck_encoding = DUCKDB_ENCODINGS.get(codecs.lookup(encoding).name)
    transcoded = None
    if duck_encoding is None:
        progress(0.02, f"converting {label} from {encoding} to UTF-8")
        transcoded = out.with_suffix(".utf8.csv")
        _transcode_to_utf8(path, encoding, transcoded, label)
        path, duck_encoding = transcoded, "utf-8"
        with open(path, "rb") as handle:
            sample = handle.read(SNIFF_BYTES)
    try:
        select_sql = _csv_source_sql(path, sample, duck_encoding, options, fmt, label)
        for table in (REJECTS_TABLE, REJECTS_TABLE + "_scans"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        _copy_to_parquet(con, select_sql, out, progress, label, _translate_csv_error(encoding, options.bad_rows))
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)
    if options.bad_rows != "skip":
        return {"encoding": encoding}
    # A line can be rejected for several reasons (one row per reason): count lines.
    skipped = con.execute(f"SELECT count(DISTINCT line) FROM {REJECTS_TABLE}").fetchall()[0][0]
    return {"encoding": encoding, "skipped_rows": int(skipped)}


# ---------------------------------------------------------------- Parquet


def write_parquet(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, fmt: str, out: Path, progress: ProgressFn, label: str) -> dict[str, Any]:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise StudioError(f"{label}: not a valid Parquet file ({str(exc).splitlines()[0]}); check the file is complete") from None
    check_column_names(list(schema.names), label)
    if not schema.names:
        raise StudioError(f"{label}: the Parquet file has no columns")
    _copy_to_parquet(con, f"SELECT * FROM read_parquet({sql_literal(str(path))})", out, progress, label, _first_duckdb_line)
    return {}


# ---------------------------------------------------------------- JSON / NDJSON


def _translate_json_error(exc: Exception) -> str:
    text = str(exc)
    if "GZIP" in text.upper():
        return _gzip_error(exc)
    if "expected records" in text:
        return "is not tabular JSON: expected an array of objects, or one object per line (NDJSON)"
    if "Malformed JSON" in text:
        where = re.search(r"at byte (\d+)", text)
        return f"malformed JSON{' at byte ' + where.group(1) if where else ''}; fix the file or export it again"
    return _first_duckdb_line(exc)


def _check_array_closed(path: Path, label: str) -> None:
    """DuckDB accepts a JSON array cut short (``[{...},``); a truncated file must not load."""
    head = _read_sample(path, label)[:64].lstrip()
    tail = b""
    try:
        with _open_bytes(path) as handle:
            if not is_gzipped(path):
                handle.seek(max(0, path.stat().st_size - 64))
            while chunk := handle.read(8 * 1024 * 1024):  # a gzipped file is read through to its end
                tail = (tail + chunk)[-64:]
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise StudioError(f"{label}: {_gzip_error(exc)}") from None
    tail = tail.rstrip()
    if head.startswith(b"[") and not tail.endswith(b"]"):
        raise StudioError(f"{label}: malformed JSON: the array is not closed with ']' (is the file cut short?)")


def write_json(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, fmt: str, out: Path, progress: ProgressFn, label: str) -> dict[str, Any]:
    layout = "newline_delimited" if fmt == "ndjson" else "auto"
    if fmt == "json":
        _check_array_closed(path, label)
    select_sql = f"SELECT * FROM read_json({sql_literal(str(path))}, format={sql_literal(layout)}, records=true)"
    try:
        names = [row[0] for row in con.execute(f"DESCRIBE {select_sql}").fetchall()]
    except duckdb.Error as exc:
        raise StudioError(f"{label}: {_translate_json_error(exc)}") from None
    check_column_names(names, label)
    _copy_to_parquet(con, select_sql, out, progress, label, _translate_json_error)
    return {}


# ---------------------------------------------------------------- Excel


def excel_sheets(path: Path | BinaryIO, label: str | None = None) -> list[str]:
    """Sheet names of an .xlsx file or upload (for the sheet picker)."""
    import openpyxl

    label = label or getattr(path, "name", "the file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise StudioError(f"{Path(str(label)).name}: not a readable Excel .xlsx file ({type(exc).__name__}); save it again as .xlsx") from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def arrow_column(values: list[Any] | tuple[Any, ...]) -> pa.Array:
    """One typed column from Python values; a column mixing types (numbers and text, UUIDs)
    becomes text rather than failing."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _filled(value: Any) -> bool:
    return value is not None and value != ""


def _excel_column(index: int) -> str:
    """The spreadsheet letter(s) of a zero-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def write_excel(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, fmt: str, out: Path, progress: ProgressFn, label: str) -> dict[str, Any]:
    import openpyxl

    sheets = excel_sheets(path)
    sheet = options.sheet or sheets[0]
    if sheet not in sheets:
        raise StudioError(f"{label}: no sheet named {sheet!r}; the sheets are {', '.join(sheets)}")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = ((number, row) for number, row in enumerate(book[sheet].iter_rows(values_only=True), start=1) if any(_filled(v) for v in row))
        header_number, header = next(rows, (0, None))
        if header is None:
            raise StudioError(f"{label}: sheet {sheet!r} is empty; pick the sheet that holds the data")
        width = max(i + 1 for i, v in enumerate(header) if _filled(v))
        gaps = [i for i in range(width) if not _filled(header[i])]
        if gaps:
            if sum(_filled(v) for v in header) == 1:
                raise StudioError(f"{label} [{sheet}]: row {header_number} looks like a title above the table; delete the rows above the header")
            raise StudioError(
                f"{label} [{sheet}]: header cell {_excel_column(gaps[0])}{header_number} is empty while cells right of it are not; "
                "name that column, or clear the stray cells right of it"
            )
        names = ["" if v is None else str(v).strip() for v in header[:width]]
        check_column_names(names, f"{label} [{sheet}]")
        columns: list[list[Any]] = [[] for _ in names]
        for count, (number, row) in enumerate(rows, start=1):
            beyond = next((i for i in range(width, len(row)) if _filled(row[i])), None)
            if beyond is not None:
                # Keeping the header's width would drop these cells without a word.
                hint = (
                    f"row {header_number} looks like a title above the table; delete the rows above the header"
                    if width == 1
                    else "give that column a header in row " + str(header_number) + ", or clear the stray cells"
                )
                raise StudioError(
                    f"{label} [{sheet}]: row {number} has a value in column {_excel_column(beyond)} but the header "
                    f"(row {header_number}) ends at column {_excel_column(width - 1)}; {hint}"
                )
            for i in range(width):
                columns[i].append(row[i] if i < len(row) else None)
            if count % 50_000 == 0:
                progress(0.5, f"read {count:,} rows of {sheet}")
    finally:
        book.close()
    if not columns or not columns[0]:
        raise StudioError(f"{label}: sheet {sheet!r} has a header but no data rows")
    table = pa.table({name: arrow_column(values) for name, values in zip(names, columns)})
    pq.write_table(table, out)
    return {"sheet": sheet}


WRITERS = {
    "csv": write_csv,
    "tsv": write_csv,
    "parquet": write_parquet,
    "json": write_json,
    "ndjson": write_json,
    "xlsx": write_excel,
}
