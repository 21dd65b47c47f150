"""Run a recipe: align the inputs, normalize, run the custom SQL step, deduplicate, and
write the dataset (and its members table) as new versions with lineage.

Every step is DuckDB SQL over the lake's Parquet files on one private connection; only the
custom SQL step runs on the sandboxed connection (it sees its input and the lake's tables,
nothing else). Outputs are ordered by input row, so the same recipe over the same input
versions writes the same bytes and is recognized as unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow.parquet as pq

from studio.consolidate import OUT_OF_ORDER, DedupePlan, FuzzyConfig, chaining_warning, exact_dedupe_plan, normalized_select, parse_spec, resolve, suggest_config
from studio.datasets._recipe import RESERVED_COLUMNS, SOURCE_COLUMN, DedupeStep, Recipe, RecipeInput
from studio.errors import NotFound, StudioError
from studio.jobs import JobContext
from studio.lake import sql_identifier, sql_literal
from studio.sql import referenced_names, sandboxed_relation
from studio.tables import TableStore, TableVersion

if TYPE_CHECKING:
    import pandas as pd

ROW_ID = "_row_id"
PREVIEW_ROWS = 200
STAGES = ("align", "normalize", "sql")


@dataclass(frozen=True)
class BuildResult:
    dataset: TableVersion
    members: TableVersion | None
    unchanged: bool
    stats: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "rows_in": self.stats["rows_in"],
            "rows_out": self.dataset.rows,
            "clusters": self.stats.get("clusters", self.dataset.rows),
            "dataset": self.dataset.name,
            "version": self.dataset.version,
            "members": self.members.name if self.members else None,
            "members_version": self.members.version if self.members else None,
            "unchanged": self.unchanged,
            "stats": self.stats,
        }

    @property
    def warnings(self) -> list[str]:
        """What the build wants a person to look at (fuzzy: fixed probabilities, chaining)."""
        return list(self.stats.get("warnings", []))


def _default_mapping(table: TableVersion) -> dict[str, str]:
    """Every column as itself, except a dataset's own bookkeeping (cluster ids and sizes, match
    probabilities), which means nothing to a new recipe; map it to another name to keep it."""
    return {c["name"]: c["name"] for c in table.columns if c["name"] not in RESERVED_COLUMNS}


def read_table(path: Path) -> str:
    return f"read_parquet({sql_literal(str(path))})"


def _lineage_item(table: TableVersion) -> dict[str, Any]:
    return {"table": table.name, "table_id": table.table_id, "kind": table.kind, "version": table.version, "content_hash": table.content_hash}


class RecipePipeline:
    """One recipe over one DuckDB connection: stages as views for previews, and ``build``,
    which registers the outputs in ``datasets``. Inputs are any tables (``datasets.tables``)."""

    def __init__(self, datasets: TableStore, recipe: Recipe, context: JobContext | None = None) -> None:
        self.datasets = datasets
        self.tables = TableStore(datasets.services)
        self.recipe = recipe
        self.context = context or JobContext()
        self.lake = datasets.lake
        self.con: duckdb.DuckDBPyConnection = self.lake.connect()
        self.temp_files: list[Path] = []
        self.inputs = [self._resolve_input(i, spec) for i, spec in enumerate(recipe.inputs)]
        self.sql_inputs: list[TableVersion] = []  # tables the custom SQL step reads, for lineage
        self._stages: dict[str, str] = {}

    def __enter__(self) -> "RecipePipeline":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()
        for path in self.temp_files:
            path.unlink(missing_ok=True)

    def _temp(self) -> Path:
        path = self.lake.temp_path()
        self.temp_files.append(path)
        return path

    def _resolve_input(self, index: int, spec: RecipeInput) -> TableVersion:
        try:
            return self.tables.get(spec.table, spec.version)
        except NotFound:
            pass
        version = f" version {spec.version}" if spec.version else ""
        raise StudioError(f"recipe inputs[{index}]: no source or dataset {spec.table!r}{version}; `studio sources list` and `studio datasets list` show them")

    # ------------------------------------------------------------ stages

    def target_schema(self) -> list[tuple[str, str | None]]:
        if self.recipe.schema:
            return [(c.name, c.type) for c in self.recipe.schema]
        names: dict[str, str | None] = {}
        for spec, table in zip(self.recipe.inputs, self.inputs):
            for target in spec.columns or _default_mapping(table):
                names.setdefault(target, None)
        return list(names.items())

    def _input_select(self, index: int, schema: list[tuple[str, str | None]], skip: set[str] = frozenset()) -> str:
        spec, table = self.recipe.inputs[index], self.inputs[index]
        available = {c["name"] for c in table.columns}
        mapping = spec.columns or _default_mapping(table)
        parts = []
        for target, type_ in schema:
            if target in skip:
                continue
            column = mapping.get(target)
            if column is not None and column not in available:
                raise StudioError(
                    f"recipe inputs[{index}] ({table.name}): no column {column!r} to map onto {target!r} "
                    f"(columns: {', '.join(sorted(available)[:20])})"
                )
            value = sql_identifier(column) if column is not None else "NULL"
            if type_:
                value = f"CAST({value} AS {type_})"
            parts.append(f"{value} AS {sql_identifier(target)}")
        return ", ".join(parts)

    def aligned_sql(self) -> str:
        schema = self.target_schema()
        targets = [name for name, _ in schema]
        clash = [t for t in targets if t in RESERVED_COLUMNS]
        if clash:
            raise StudioError(f"column {clash[0]!r} is reserved by the studio; map it onto another target name")
        if self.recipe.combine == "union":
            # Rows name their source; a dataset's rows already do (its own ``source`` column).
            carried = SOURCE_COLUMN in targets
            id_column = self.recipe.id_column
            for index, table in enumerate(self.inputs):
                if id_column and id_column in targets and not (self.recipe.inputs[index].columns or _default_mapping(table)).get(id_column):
                    raise StudioError(
                        f"{table.name} has no column {id_column!r} (the id column); map each input's columns onto one schema "
                        "in a recipe (the Consolidate page, or `studio consolidate run FILE`)"
                    )
            selects, offset = [], 0
            for index, table in enumerate(self.inputs):
                columns = self._input_select(index, schema, skip={SOURCE_COLUMN})
                source = sql_literal(table.name)
                if carried and (self.recipe.inputs[index].columns or _default_mapping(table)).get(SOURCE_COLUMN):
                    column = (self.recipe.inputs[index].columns or _default_mapping(table))[SOURCE_COLUMN]
                    source = f"coalesce(CAST({sql_identifier(str(column))} AS VARCHAR), {source})"
                selects.append(
                    f"SELECT {offset} + file_row_number AS {ROW_ID}, {source} AS {SOURCE_COLUMN}"
                    f"{', ' + columns if columns else ''} FROM read_parquet({sql_literal(str(table.path))}, file_row_number = true)"
                )
                offset += table.rows
            return " UNION ALL ".join(selects)
        return self._joined_sql(schema)

    def _joined_sql(self, schema: list[tuple[str, str | None]]) -> str:
        keys = list(self.recipe.join_on)
        targets = [name for name, _ in schema]
        missing = [k for k in keys if k not in targets]
        if missing:
            raise StudioError(f"join key {missing[0]!r} is not a target column; map it in every input")
        seen: dict[str, int] = {}
        subqueries = []
        for index, (spec, table) in enumerate(zip(self.recipe.inputs, self.inputs)):
            mapping = spec.columns or _default_mapping(table)
            own = [(name, type_) for name, type_ in schema if name in keys or mapping.get(name) is not None]
            for name, _ in own:
                if name not in keys:
                    if name in seen:
                        raise StudioError(f"column {name!r} comes from inputs {seen[name]} and {index}; map one of them onto another name")
                    seen[name] = index
            absent = [k for k in keys if mapping.get(k) is None]
            if absent:
                raise StudioError(f"recipe inputs[{index}] ({table.name}): map the join key {absent[0]!r}")
            columns = self._input_select(index, own)
            subqueries.append(
                f"(SELECT file_row_number AS _r{index}, {columns} FROM read_parquet({sql_literal(str(table.path))}, file_row_number = true)) AS t{index}"
            )
        using = ", ".join(sql_identifier(k) for k in keys)
        how = {"left": "LEFT", "inner": "INNER", "full": "FULL OUTER"}[self.recipe.join_how]
        joined = subqueries[0] + "".join(f" {how} JOIN {sub} USING ({using})" for sub in subqueries[1:])
        order = ", ".join(f"_r{i} NULLS LAST" for i in range(len(subqueries)))
        drop = ", ".join(f"_r{i}" for i in range(len(subqueries)))
        return (
            f"SELECT row_number() OVER (ORDER BY {order}) - 1 AS {ROW_ID}, {sql_literal(self.inputs[0].name)} AS {SOURCE_COLUMN}, "
            f"* EXCLUDE ({drop}) FROM {joined}"
        )

    def stage(self, name: str) -> str:
        """A view (or table) name holding the data after stage ``name`` (align, normalize, sql)."""
        if name in self._stages:
            return self._stages[name]
        if name == "align":
            self._execute(f"CREATE OR REPLACE TEMP VIEW aligned AS {self.aligned_sql()}", "aligning the inputs")
            self._stages[name] = "aligned"
        elif name == "normalize":
            columns = self.columns(self.stage("align"))
            select = normalized_select(columns, parse_spec(list(self.recipe.normalize)), self.stage("align"))
            self._execute(f"CREATE OR REPLACE TEMP VIEW normalized AS {select}", "normalizing")
            self._stages[name] = "normalized"
        elif name == "sql":
            self._stages[name] = self._custom_sql() if self.recipe.sql else self.stage("normalize")
        else:
            raise StudioError(f"no stage {name!r}; stages are {', '.join(STAGES)}")
        return self._stages[name]

    def _execute(self, sql: str, doing: str) -> None:
        try:
            self.con.execute(sql)
        except duckdb.ConversionException as exc:
            raise StudioError(f"{doing} failed: {str(exc).splitlines()[0]}; pick another type for that column, or normalize it first") from None
        except duckdb.Error as exc:
            raise StudioError(f"{doing} failed: {str(exc).splitlines()[0]}") from None

    def _copy(self, select: str, target: Path, doing: str) -> None:
        self._execute(f"COPY ({select}) TO {sql_literal(str(target))} (FORMAT parquet)", doing)

    def columns(self, relation: str) -> list[str]:
        return [row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]

    def _custom_sql(self) -> str:
        """Run the user's SELECT on the sandboxed connection over ``input`` (the normalized
        rows, with ``_row_id`` and ``source``) and the lake's tables; stream the result to a
        Parquet file. Rows keep their ``_row_id`` if the SELECT keeps it, else are numbered
        afresh (and then cannot be traced to input rows)."""
        self.context.progress(0.25, "running the custom SQL step")
        staged = self._temp()
        self._copy(f"SELECT * FROM {self.stage('normalize')}", staged, "normalizing")
        for name in referenced_names(self.recipe.sql or "", self.tables.lake_tables()):
            if name != "input" and name not in {t.name for t in self.inputs + self.sql_inputs}:
                self.sql_inputs.append(self._resolve_input(-1, RecipeInput(name)))
        result = self._temp()
        with sandboxed_relation(self.tables, self.recipe.sql or "", {"input": staged}) as (kind, relation):
            if kind != "SELECT":
                raise StudioError("the custom SQL step must be a SELECT over `input`")
            reader = relation.to_arrow_reader(100_000)
            with pq.ParquetWriter(result, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        columns = self.columns(read_table(result))
        if ROW_ID in columns:
            unique = self.con.execute(f"SELECT count(*) = count(DISTINCT {ROW_ID}) FROM {read_table(result)}").fetchall()[0][0]
            if not unique:
                raise StudioError(f"the SQL step repeats {ROW_ID} values (a join that fans out?); select DISTINCT rows or leave {ROW_ID} out to number rows afresh")
            row_id = ROW_ID
        else:
            row_id = f"file_row_number AS {ROW_ID}"
        source = "" if SOURCE_COLUMN in columns else f", {sql_literal(self.recipe.output)} AS {SOURCE_COLUMN}"
        exclude = f" EXCLUDE ({ROW_ID})" if ROW_ID in columns else ""
        self._execute(
            f"CREATE OR REPLACE TEMP VIEW custom AS SELECT {row_id}{source}, *{exclude}, FROM "
            f"read_parquet({sql_literal(str(result))}, file_row_number = true)",
            "reading the SQL step's result",
        )
        self._execute("CREATE OR REPLACE TEMP VIEW custom_result AS SELECT * EXCLUDE (file_row_number) FROM custom", "reading the SQL step's result")
        return "custom_result"

    # ------------------------------------------------------------ previews

    def preview(self, stage: str, limit: int = PREVIEW_ROWS) -> "pd.DataFrame":
        """A repeatable sample of the rows after ``stage`` (sampled in DuckDB)."""
        relation = self.stage(stage)
        return self.con.execute(
            f"SELECT * FROM {relation} USING SAMPLE reservoir({int(limit)} ROWS) REPEATABLE (42) ORDER BY {ROW_ID}"
        ).df()

    def before_after(self, column: str, limit: int = 20) -> "pd.DataFrame":
        """Distinct values of ``column`` that a normalization rule changes, before and after."""
        aligned, normalized = self.stage("align"), self.stage("normalize")
        col = sql_identifier(column)
        return self.con.execute(
            f"SELECT DISTINCT a.{col}::VARCHAR AS before, n.{col}::VARCHAR AS after FROM {aligned} a JOIN {normalized} n USING ({ROW_ID}) "
            f"WHERE a.{col}::VARCHAR IS DISTINCT FROM n.{col}::VARCHAR ORDER BY 1 NULLS FIRST LIMIT {int(limit)}"
        ).df()

    def count(self, stage: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {self.stage(stage)}").fetchall()[0][0])

    # ------------------------------------------------------------ build

    def prepare(self, materialize: bool = True) -> list[str]:
        """The rows deduplication works on, as ``prepared``: a table when they are scanned
        many times (fuzzy matching), else a view (exact deduplication scans them twice, and
        a Parquet scan is cheaper than a copy)."""
        self.context.progress(0.1, "aligning and normalizing")
        kind = "TABLE" if materialize else "VIEW"
        self._execute(f"CREATE OR REPLACE TEMP {kind} prepared AS SELECT * FROM {self.stage('sql')}", "preparing the rows")
        columns = self.columns("prepared")
        if self.recipe.id_column and self.recipe.id_column not in columns:
            raise StudioError(f"no id column {self.recipe.id_column!r} after the recipe's steps (columns: {', '.join(c for c in columns[:20] if c != ROW_ID)})")
        return columns

    def exact_summary(self) -> dict[str, Any]:
        """What the recipe's exact deduplication would do, before building: rows, clusters,
        rows removed, and how many rows each survivorship rule removed."""
        step = self.recipe.dedupe
        if step is None or step.method != "exact":
            raise StudioError("the recipe has no exact deduplication step")
        columns = self.prepare(materialize=False)
        source_column = SOURCE_COLUMN if SOURCE_COLUMN in columns else None
        plan = exact_dedupe_plan("prepared", columns, list(step.keys), step.survivorship, ROW_ID, source_column)
        self._execute(f"CREATE OR REPLACE TEMP TABLE survivors AS {plan.survivors()}", "deduplicating")
        rows, clusters = self.con.execute("SELECT count(*), count(DISTINCT survivor) FROM survivors").fetchall()[0]
        counts = dict(self.con.execute(plan.removed_by("survivors")).fetchall())
        in_order = [name for name, _, _ in plan.terms] + ["input order"]
        removed_by = {rule: int(counts[rule]) for rule in in_order if rule in counts}
        return {"rows": int(rows), "clusters": int(clusters), "removed": int(rows - clusters), "removed_by": removed_by}

    def _labels_as_row_ids(self) -> list[tuple[int, int, bool]]:
        """The recipe's reviewed pairs, named by (source, id), as pairs of row ids."""
        step = self.recipe.dedupe
        if step is None or not step.labels:
            return []
        id_column = sql_identifier(self.recipe.id_column) if self.recipe.id_column else ROW_ID
        keys = sorted({label.left for label in step.labels} | {label.right for label in step.labels})
        self.con.execute("CREATE OR REPLACE TEMP TABLE label_keys (source VARCHAR, id VARCHAR)")
        self.con.executemany("INSERT INTO label_keys VALUES (?, ?)", [list(k) for k in keys])
        found = self.con.execute(
            f"SELECT k.source, k.id, min(p.{ROW_ID}) FROM prepared p JOIN label_keys k "
            f"ON p.{SOURCE_COLUMN}::VARCHAR = k.source AND p.{id_column}::VARCHAR = k.id GROUP BY 1, 2"
        ).fetchall()
        row_of = {(source, id_): row for source, id_, row in found}
        labels = [(row_of[label.left], row_of[label.right], label.match) for label in step.labels if label.left in row_of and label.right in row_of]
        skipped = len(step.labels) - len(labels)
        if skipped:
            self.context.log(f"{skipped} reviewed pair(s) name rows that are no longer in the inputs; they were skipped", "warning")
        return labels

    def build(self) -> BuildResult:
        recipe, step = self.recipe, self.recipe.dedupe
        columns = self.prepare(materialize=step is not None and step.method == "fuzzy")
        stats: dict[str, Any] = {"inputs": [{"table": t.name, "version": t.version, "rows": t.rows} for t in self.inputs]}
        golden_temp = self._temp()
        data_columns = [c for c in columns if c != ROW_ID]
        if step is None:
            self.context.progress(0.7, "writing the dataset")
            self._copy(f"SELECT {', '.join(sql_identifier(c) for c in data_columns)} FROM prepared ORDER BY {ROW_ID}", golden_temp, "writing the dataset")
            stats["rows_in"] = pq.read_metadata(golden_temp).num_rows
            return self._register(golden_temp, None, stats)
        members_temp = self._temp()
        source_column = SOURCE_COLUMN if SOURCE_COLUMN in columns else None
        carry = tuple(c for c in (source_column, recipe.id_column) if c)
        if step.method == "exact":
            self.context.progress(0.3, f"deduplicating on {', '.join(step.keys)}")
            plan = exact_dedupe_plan("prepared", columns, list(step.keys), step.survivorship, ROW_ID, source_column)
            self._execute(f"CREATE OR REPLACE TEMP TABLE survivors AS {plan.survivors(carry)}", "deduplicating")
            self._execute(f"CREATE OR REPLACE TEMP VIEW members AS {plan.members('survivors', carry)}", "deduplicating")
            # The survivor's row id names the cluster, so row-id order is cluster order.
            outer = f"SELECT {ROW_ID} AS cluster_id, cluster_size, * EXCLUDE ({ROW_ID}, cluster_size) FROM "
        else:
            self._fuzzy(step, carry, stats)
            plan = exact_dedupe_plan("clustered", columns + ["cluster_id"], ["cluster_id"], step.survivorship, ROW_ID, source_column)
            self._execute(f"CREATE OR REPLACE TEMP TABLE survivors AS {plan.survivors()}", "choosing survivors")
            outer = f"SELECT cluster_id, cluster_size, * EXCLUDE ({ROW_ID}, cluster_id, cluster_size) FROM "
        self._execute(f"CREATE OR REPLACE TEMP TABLE kept AS {plan.kept('survivors')}", "choosing survivors")
        self.context.progress(0.7, "writing the golden table")
        self._write_golden(plan, outer, golden_temp, in_row_order=step.method == "exact" and not plan.aggregate)
        self.context.progress(0.85, "writing the members table")
        identity = sql_identifier(recipe.id_column) if recipe.id_column else f"{ROW_ID} AS row_id"
        # Probabilities to 10 decimals: Splink's parallel sums differ in the 14th from run to run,
        # and the same recipe over the same inputs must write the same bytes (unchanged).
        self._copy(
            f"SELECT {SOURCE_COLUMN}, {identity}, cluster_id, round(match_probability, 10) AS match_probability FROM members ORDER BY {ROW_ID}",
            members_temp, "writing the members table",
        )
        rows_in, clusters, largest = self.con.execute("SELECT count(*), count(cluster_size), coalesce(max(cluster_size), 0) FROM kept").fetchall()[0]
        stats.update(rows_in=int(rows_in), clusters=int(clusters), duplicates_removed=int(rows_in - clusters), largest_cluster=int(largest))
        if step.method == "fuzzy":
            chained = chaining_warning(stats["largest_cluster"], stats["rows_in"])
            stats["warnings"] = [w for w in (stats["fuzzy"]["fixed_probabilities"], chained) if w]
        return self._register(golden_temp, members_temp, stats)

    def fuzzy_config(self) -> FuzzyConfig:
        """The fuzzy step's settings over ``prepared``: the recipe's own, else suggested from
        the data (never comparing the source name or the per-system id), with the recipe's
        threshold if it sets one."""
        step = self.recipe.dedupe
        exclude = [c for c in (SOURCE_COLUMN, self.recipe.id_column) if c]
        config = (step.fuzzy if step else None) or suggest_config(self.con, "prepared", ROW_ID, exclude=exclude)
        if step is not None and step.threshold is not None:
            config = dataclasses.replace(config, threshold=step.threshold)
        return config

    def _fuzzy(self, step: DedupeStep, carry: tuple[str, ...], stats: dict[str, Any]) -> None:
        config = self.fuzzy_config()
        labels = self._labels_as_row_ids()

        def progress(fraction: float, message: str) -> None:
            self.context.progress(0.15 + 0.55 * fraction, message)

        result = resolve(self.con, "prepared", ROW_ID, config, labels, on_progress=progress, on_warning=lambda m: self.context.log(m, "warning"))
        carried = "".join(f"p.{sql_identifier(c)}, " for c in carry)
        self._execute(
            f"CREATE OR REPLACE TEMP TABLE members AS SELECT p.{ROW_ID}, {carried}m.cluster_id, m.match_probability "
            f"FROM prepared p JOIN {result.members} m USING ({ROW_ID})",
            "clustering",
        )
        self._execute(f"CREATE OR REPLACE TEMP TABLE clustered AS SELECT p.*, m.cluster_id FROM prepared p JOIN members m USING ({ROW_ID})", "clustering")
        stats["fuzzy"] = {
            "config": config.to_json(),
            "pairs_scored": int(self.con.execute(f"SELECT count(*) FROM {result.pairs}").fetchall()[0][0]),
            "pairs_linked": int(self.con.execute(f"SELECT count(*) FROM {result.pairs} WHERE match_probability >= {float(config.threshold)}").fetchall()[0][0]),
            "labels_used": len(labels),
            "weight_histogram": result.weight_histogram,
            "fixed_probabilities": result.parameters.get("training", {}).get("fixed_probabilities"),
        }

    def _write_golden(self, plan: DedupePlan, outer: str, target: Path, in_row_order: bool) -> None:
        """Write the golden table (``outer`` + the surviving rows), ordered by cluster id.
        When cluster ids are survivor row ids (exact dedupe, no aggregates), the rows are read
        beside ``kept`` in scan order, which spares sorting millions of wide rows; a scan that
        turns out not to be in row-id order (a join, a custom SQL step) is sorted instead."""
        if in_row_order:
            try:
                self._copy(f"{outer}({plan.golden_in_order('kept')})", target, "writing the golden table")
                return
            except StudioError as exc:
                if OUT_OF_ORDER not in exc.message:
                    raise
        clusters = f"(SELECT {ROW_ID} AS cluster_id, cluster_size FROM kept WHERE cluster_size IS NOT NULL)"
        self._copy(f"{outer}({plan.golden('survivors', clusters, ('cluster_size',))}) ORDER BY cluster_id", target, "writing the golden table")

    def _register(self, golden_temp: Path, members_temp: Path | None, stats: dict[str, Any]) -> BuildResult:
        recipe = self.recipe
        lineage = {
            "kind": "recipe",
            "recipe": recipe.name,
            "recipe_hash": recipe.spec_hash(),
            "spec": recipe.to_json(),
            "inputs": [_lineage_item(t) for t in self.inputs] + [{**_lineage_item(t), "via": "sql"} for t in self.sql_inputs],
            "stats": stats,
        }
        items = [(recipe.output, golden_temp, {**lineage, "role": "dataset"})]
        if members_temp is not None:
            items.append((recipe.members_output, members_temp, {**lineage, "role": "members", "of": recipe.output}))
        results = self.datasets.register(items, recipe.output, self.context, allow_empty=True)
        self.temp_files = [p for p in self.temp_files if p not in (golden_temp, members_temp)]
        return BuildResult(
            dataset=results[0].table,
            members=results[1].table if len(results) > 1 else None,
            unchanged=all(r.unchanged for r in results),
            stats=stats,
        )
