"""FeatureRecipeStore: feature recipes as assets of the versioned store.

A version's content hash is its recipe's ``spec_hash``, so saving the same spec again changes
nothing (and keeps the proof it was first saved with). Its ``info`` holds the canonical spec
and the proof it was saved with (training keeps the features the proof rejected off by
default), its ``origin`` the table version it was designed on, by asset id and version (so it
survives renames). There is no payload beyond the metadata row.

The store answers for its recipes when another store asks what depends on a table: a recipe
whose aggregates read an event table blocks deleting and renaming it (in any of its versions:
a model trained with an old version still reads it by name), and a recipe blocks renaming
its online table, which its refresh job writes by name.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pandas as pd
import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.features._apply import ROW, apply_recipe, rows_sql, sample_frame
from studio.features._diff import diff_recipes
from studio.features._online import OnlineTableStore, materialize, online_table_name, parse_as_of
from studio.features._proof import prove_features
from studio.features._recipe import FeatureRecipe
from studio.features._steps import fail
from studio.features._validate import check_against_table, check_events
from studio.jobs import JobContext
from studio.lake import sql_identifier, sql_literal
from studio.tables import TABLE_NAMESPACE, AddResult, TableStore, TableVersion
from studio.versioned import AssetRef, Dependent, StoreServices, Version, VersionedStore, validate_name

FEATURE_NAMESPACE = "feature_recipe"
MAX_NAME = 63 - len(online_table_name(""))  # room for the online table's name
RECIPE_FIX = "point {them} at another table, or delete {them} first (`studio features delete NAME`, or the Features page)"
ONLINE_FIX = "keep its name, which the refresh job writes, or delete {them} first (`studio features delete NAME`)"
VERDICTS = ("accept", "warn", "reject")


def with_proof_rejects(recipe: FeatureRecipe, proof: dict[str, Any]) -> FeatureRecipe:
    """``recipe`` with the features ``proof`` rejected left out (those it still uses; dropped
    ones stay dropped): what the designer and the demo save, so training keeps them off."""
    features = set(recipe.columns) | recipe.aggregate_names() | {d.name for d in recipe.expressions}
    rejects = [f["name"] for f in proof["features"] if f["verdict"] == "reject" and f["name"] in features and recipe.is_used(f["name"])]
    return recipe.with_rejected([*recipe.rejected, *rejects])


@dataclass(frozen=True)
class RecipeVersion(Version):
    """A version of a feature recipe: its spec, and the proof it was saved with."""

    @property
    def recipe(self) -> FeatureRecipe:
        return FeatureRecipe.from_json(self.info["spec"])

    @property
    def proof(self) -> dict[str, Any] | None:
        return self.info.get("proof")

    def designed_on(self) -> str | None:
        """"delivery_training v1", or None when saved without a table."""
        return f"{self.origin['table']} v{self.origin['version']}" if self.origin.get("table") else None

    def verdicts(self) -> dict[str, int] | None:
        """How many features the saved proof accepted, warned about and rejected."""
        if not self.proof:
            return None
        counts = dict.fromkeys(VERDICTS, 0)
        for feature in self.proof["features"]:
            counts[feature["verdict"]] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        recipe = self.recipe
        aggregates, expressions = recipe.computed()
        return {
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "created_at": self.created_at,
            "target": recipe.target,
            "designed_on": self.designed_on(),
            "columns_used": len(recipe.used_columns()),
            "expressions": len(expressions),
            "aggregates": len(aggregates),
            "rejected": list(recipe.rejected),
            "verdicts": self.verdicts(),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "origin": self.origin, "spec": self.info["spec"], "proof": self.proof}


@dataclass(frozen=True)
class SavedRecipe:
    recipe: RecipeVersion
    unchanged: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.recipe.summary(), "origin": self.recipe.origin, "unchanged": self.unchanged}


class FeatureRecipeStore(VersionedStore[RecipeVersion]):
    namespace: ClassVar[str] = FEATURE_NAMESPACE
    kind: ClassVar[str | None] = "feature_recipe"
    reads: ClassVar[tuple[str, ...]] = ("feature_recipe",)
    noun: ClassVar[str] = "feature recipe"
    list_command: ClassVar[str] = "studio features list"
    versions_command: ClassVar[str] = "studio features versions"

    def __init__(self, services: StoreServices) -> None:
        super().__init__(services)
        self.lake = services.lake
        self.tables = TableStore(services)  # recipes are designed on, and aggregate over, any table
        self.online = OnlineTableStore(services)

    def _version(self, row: Any) -> RecipeVersion:
        return RecipeVersion(
            kind=row.kind, name=row.name, version=row.version, asset_id=row.asset_id, content_hash=row.content_hash,
            bytes=row.bytes, info=row.info, origin=row.origin, created_at=row.created_at,
        )  # fmt: skip

    # ------------------------------------------------------------ tables and connections

    def _table(self, name: str, version: int | None) -> TableVersion:
        return self.tables.get(name, version)

    @contextlib.contextmanager
    def connect(self, recipe: FeatureRecipe | None) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[dict[str, Any]]]]:
        """A DuckDB connection that sees the event tables of ``recipe``'s aggregates by name
        (their newest versions), and those versions, for lineage."""
        read: list[dict[str, Any]] = []
        for index, aggregate in enumerate(recipe.aggregates if recipe else ()):
            if any(item["table"].lower() == aggregate.table.lower() for item in read):
                continue
            try:
                table = self.tables.get(aggregate.table)
            except NotFound:
                raise fail(f"aggregates[{index}]", f"no table {aggregate.table!r} to aggregate; `studio sources list` and `studio datasets list` show the tables") from None
            read.append({"table": aggregate.table, "table_id": table.table_id, "version": table.version, "content_hash": table.content_hash, "path": table.path})
        with self.lake.connect() as con:
            for item in read:
                con.execute(f"CREATE VIEW {sql_identifier(item['table'])} AS SELECT * FROM read_parquet({sql_literal(str(item.pop('path')))})")
            yield con, read

    @staticmethod
    def relation(table: TableVersion) -> str:
        return f"read_parquet({sql_literal(str(table.path))})"

    # ------------------------------------------------------------ checking and saving

    def check(self, recipe: FeatureRecipe | dict[str, Any], table: str | None = None, version: int | None = None) -> FeatureRecipe:
        """The recipe, parsed and checked against the table it is designed on (when given) and
        the event tables its aggregates read; one line naming the first problem otherwise."""
        parsed = recipe if isinstance(recipe, FeatureRecipe) else FeatureRecipe.from_json(recipe)
        designed_on = self._table(table, version) if table is not None else None
        with self.connect(parsed) as (con, _read):
            if designed_on is None:
                check_events(con, parsed)
            else:
                check_against_table(con, parsed, designed_on.name, designed_on.columns, self.relation(designed_on))
        return parsed

    def save(
        self,
        name: str,
        recipe: FeatureRecipe | dict[str, Any],
        table: str | None = None,
        version: int | None = None,
        proof: dict[str, Any] | None = None,
    ) -> SavedRecipe:
        """Save ``recipe`` as the next version of ``name`` (unchanged when the newest version
        has the same spec), designed on ``table`` (its ``version``, default newest) and with
        the ``proof`` it was checked with."""
        validate_name(name, "feature recipe")
        if len(name) > MAX_NAME:
            raise StudioError(f"{name!r} is too long for a feature recipe name: at most {MAX_NAME} characters, leaving room for its online table {online_table_name('NAME')}")
        parsed = self.check(recipe, table, version)
        if proof is not None and proof.get("target") != parsed.target:
            raise StudioError(f"the proof is of target {proof.get('target')!r}, the recipe's target is {parsed.target!r}; prove the recipe again")
        origin: dict[str, Any] = {}
        if table is not None:
            designed_on = self._table(table, version)
            origin = {"kind": "table", "table": designed_on.name, "table_id": designed_on.table_id, "table_kind": designed_on.kind, "version": designed_on.version}
        spec = parsed.to_json()
        size = len(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode())
        info = {"spec": spec, "proof": proof}
        committed, unchanged = self._transaction(
            lambda connection: self._commit_version(connection, name, parsed.spec_hash(), size, info, origin), f"saving feature recipe {name}"
        )
        return SavedRecipe(committed, unchanged)

    def versions_for(self, target: str, table: TableVersion) -> list[RecipeVersion]:
        """Saved versions that predict ``target`` and were designed on ``table`` (or on no
        recorded table): what a page offers to start from or to train with."""
        return [
            v for r in self.list() for v in self.versions(r.name)
            if v.recipe.target == target and v.origin.get("table_id") in (None, table.table_id)
        ]  # fmt: skip

    def diff(self, name: str, old: int, new: int) -> dict[str, Any]:
        """What changed from version ``old`` to ``new`` (see ``diff_recipes``)."""
        return {"name": name, "old": old, "new": new, **diff_recipes(self.get(name, old).recipe, self.get(name, new).recipe)}

    def dependents_of(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]:
        """Recipes (any version) whose aggregates read the table block deleting and renaming
        it; a recipe blocks renaming its online table."""
        if ref.namespace != TABLE_NAMESPACE:
            return []
        name = ref.name.lower()
        readers: dict[str, None] = {}
        writers: dict[str, None] = {}
        query = self._select().order_by(meta.assets.c.name, meta.asset_versions.c.version)
        for row in connection.execute(query):
            version = self._version(row)
            if any(a["table"].lower() == name for a in version.info["spec"]["aggregates"]):
                readers[version.name] = None
            elif online_table_name(version.name).lower() == name:
                writers[version.name] = None
        return [Dependent("feature recipe", n, {"rename": "named by", "delete": "read by"}, RECIPE_FIX) for n in readers] + [
            Dependent("feature recipe", n, {"rename": "written by"}, ONLINE_FIX) for n in writers if n not in readers
        ]

    # ------------------------------------------------------------ proof

    def resolve(self, recipe: str | dict[str, Any] | FeatureRecipe | None, version: int | None = None) -> FeatureRecipe | None:
        """A recipe given by saved name (its ``version``, default newest), as JSON, or as is."""
        if recipe is None or isinstance(recipe, FeatureRecipe):
            return recipe
        if isinstance(recipe, str):
            return self.get(recipe, version).recipe
        return FeatureRecipe.from_json(recipe)

    def prove(
        self,
        table: str,
        target: str | None = None,
        version: int | None = None,
        recipe: FeatureRecipe | dict[str, Any] | None = None,
        time_column: str | None = None,
        group_column: str | None = None,
        context: JobContext | None = None,
    ) -> dict[str, Any]:
        """Prove the features of ``recipe`` (None: the table's columns as they are) on a table
        version for ``target`` (default: the recipe's): the proof's JSON, with the table
        version and the event table versions it read."""
        context = context or JobContext()
        parsed = self.resolve(recipe)
        if target is None and parsed is None:
            raise StudioError("name the target: the column to predict (--target)")
        target = target or (parsed.target if parsed else None)
        if parsed is not None and parsed.target != target:
            raise StudioError(f"the recipe predicts {parsed.target!r}, not {target!r}; give its target or another recipe")
        found = self._table(table, version)
        if parsed is not None:
            self.check(parsed, found.name, found.version)
        context.progress(0.05, f"sampling {found.name} v{found.version}")
        with self.connect(parsed) as (con, read):
            proof = prove_features(
                con, self.relation(found), str(target), recipe=parsed, time_column=time_column, group_column=group_column,
                progress=lambda fraction, message: context.progress(0.1 + 0.88 * fraction, message),
            )  # fmt: skip
        return {"table": found.name, "version": found.version, "table_id": found.table_id, "event_tables": read, **proof}

    def submit_prove(
        self, table: str, target: str, version: int | None = None, recipe: dict[str, Any] | None = None,
        time_column: str | None = None, group_column: str | None = None,
    ) -> int:  # fmt: skip
        """Prove as a background job; the job's result is the proof. The recipe is checked
        against the table first, so a bad one is refused before any worker starts."""
        found = self._table(table, version)
        if recipe is not None:
            self.check(recipe, found.name, found.version)
        params = {"table": found.name, "version": found.version, "target": target, "recipe": recipe, "time_column": time_column, "group_column": group_column}
        return self.services.submit_job("features.prove", params, f"Prove features of {found.name} v{found.version} for {target}")

    # ------------------------------------------------------------ rows, apply, online table

    def sample(self, table: str, version: int | None = None, recipe: FeatureRecipe | None = None, rows: int = 2_000, seed: int = 0) -> pd.DataFrame:
        """A repeatable sample of a table version (at most ``rows`` rows, drawn in DuckDB) with
        the recipe's aggregates computed point in time: what the designer shows."""
        found = self._table(table, version)
        with self.connect(recipe) as (con, _read):
            return sample_frame(con, self.relation(found), recipe if recipe and recipe.aggregates else None, rows, seed)

    def rows(self, table: TableVersion, recipe: FeatureRecipe, columns: list[str]) -> pd.DataFrame:
        """Every row of a table version (in file order) with only ``columns``: the table's own
        and the recipe's aggregates, computed point in time in DuckDB. What training reads."""
        with self.connect(recipe) as (con, _read):
            selected = ", ".join(sql_identifier(column) for column in columns)
            return con.execute(f"SELECT {selected} FROM ({rows_sql(con, self.relation(table), recipe)}) ORDER BY {ROW}").df()

    def apply(
        self, recipe: FeatureRecipe, table: str, out: Path | str, version: int | None = None, overwrite: bool = False, context: JobContext | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Fit the recipe's pipeline on a table version and write its output to ``out``."""
        context = context or JobContext()
        found = self._table(table, version)
        self.check(recipe, found.name, found.version)
        with self.connect(recipe) as (con, _read):
            written = apply_recipe(con, self.relation(found), found.rows, recipe, Path(out), overwrite, context.progress)
        return {"table": found.name, "version": found.version, **written}

    def materialize(self, name: str, version: int | None = None, as_of: str | None = None, context: JobContext | None = None) -> AddResult:
        """Compute the online table of a recipe version's aggregates (as of ``as_of``, ISO;
        None: just after the newest event) as the next version of ``<name>_online``."""
        context = context or JobContext()
        saved = self.get(name, version)
        aggregates, _expressions = saved.recipe.computed()
        if not aggregates:
            raise StudioError(f"feature recipe {saved.name} v{saved.version} uses no aggregates, so it has no online table")
        moment = parse_as_of(as_of)
        with self.connect(saved.recipe) as (con, read):
            origin = {"kind": "feature_recipe", "recipe": saved.name, "recipe_id": saved.asset_id, "recipe_version": saved.version, "inputs": read}
            return materialize(con, self.lake, self.online, saved.name, aggregates, moment, origin, context)

    def submit_materialize(self, name: str, version: int | None = None, as_of: str | None = None) -> int:
        saved = self.get(name, version)
        parse_as_of(as_of)
        params = {"recipe": saved.name, "version": saved.version, "as_of": as_of}
        return self.services.submit_job("features.materialize", params, f"Refresh the online table of {saved.name} v{saved.version}")

    def online_table(self, name: str) -> pd.DataFrame:
        """The newest online table of recipe ``name`` (aggregate, entity_key, value, as_of),
        for ``set_online_table``."""
        try:
            table = self.online.get(online_table_name(self.get(name).name))
        except NotFound:
            raise NotFound(f"feature recipe {name} has no online table yet; `studio features materialize {name}` computes it") from None
        with self.lake.connect() as con:
            return con.execute(f"SELECT * FROM {self.relation(table)}").df()
