"""DatasetStore: datasets (tables built by recipes) and the saved recipes themselves.

Datasets are versioned lake tables like sources (``studio.tables``); each version's origin is
its lineage: the recipe (name, hash and full spec) and the exact input versions it read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from studio import meta
from studio.datasets._build import BuildResult, RecipePipeline
from studio.datasets._recipe import Recipe
from studio.errors import NotFound, StudioError
from studio.jobs import JobContext
from studio.lake import sql_identifier, sql_literal
from studio.sql import referenced_names
from studio.tables import TableStore, TableVersion

DIFF_SAMPLE_ROWS = 20


@dataclass(frozen=True)
class VersionDiff:
    """What changed between two versions of a dataset."""

    name: str
    old: int
    new: int
    key: list[str]
    added_columns: list[str]
    removed_columns: list[str]
    retyped_columns: list[dict[str, str]]
    rows_added: int
    rows_removed: int
    rows_changed: int
    rows_unchanged: int
    changed_by_column: dict[str, int]
    samples: dict[str, list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class DatasetStore(TableStore):
    kind = "dataset"
    list_command = "studio datasets list"

    # ------------------------------------------------------------ recipes

    def _builder_of(self, connection: sa.Connection, name: str) -> str | None:
        """The recipe that built the newest version of dataset ``name`` (None: no such dataset)."""
        v, s = meta.source_versions, meta.sources
        origin = connection.execute(
            sa.select(v.c.origin).join(s, s.c.id == v.c.source_id).where(sa.func.lower(s.c.name) == name.lower(), s.c.kind == "dataset").order_by(v.c.version.desc()).limit(1)
        ).scalar()
        return origin.get("recipe") if origin else None

    def save_recipe(self, recipe: Recipe) -> Recipe:
        """Save (or replace) a recipe under its name. A saved recipe keeps its output: building
        another dataset takes a recipe of its own, so no dataset loses the recipe behind it."""
        self._check_outputs(recipe)
        self._check_saved_output(recipe)
        now = time.time()
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(meta.recipes).where(meta.recipes.c.name == recipe.name).values(spec=recipe.to_json(), updated_at=now)
            ).rowcount
            if not updated:
                connection.execute(sa.insert(meta.recipes).values(name=recipe.name, spec=recipe.to_json(), created_at=now, updated_at=now))
        return recipe

    def recipe(self, name: str) -> Recipe:
        with self.engine.connect() as connection:
            spec = connection.execute(sa.select(meta.recipes.c.spec).where(meta.recipes.c.name == name)).scalar()
        if spec is None:
            raise NotFound(f"no recipe {name!r}; `studio consolidate recipes` lists them")
        return Recipe.from_json(spec)

    def recipes(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(meta.recipes).order_by(meta.recipes.c.name)).all()
        return [{"name": r.name, "spec": r.spec, "created_at": r.created_at, "updated_at": r.updated_at} for r in rows]

    def recipes_naming(self, table: str, reading_only: bool = False) -> list[str]:
        """The saved recipes that read ``table`` (as an input or in their SQL step) or, unless
        ``reading_only``, write it (their output or members table)."""
        users = []
        for saved in self.recipes():
            recipe = Recipe.from_json(saved["spec"])
            named = {i.table for i in recipe.inputs}
            if recipe.sql:
                named |= set(referenced_names(recipe.sql, [table]))
            if not reading_only:
                named |= {recipe.output, recipe.members_output}
            if table.lower() in {n.lower() for n in named}:
                users.append(recipe.name)
        return users

    def delete_recipe(self, name: str) -> None:
        with self.engine.begin() as connection:
            if not connection.execute(sa.delete(meta.recipes).where(meta.recipes.c.name == name)).rowcount:
                raise NotFound(f"no recipe {name!r}")

    # ------------------------------------------------------------ building

    def pipeline(self, recipe: Recipe, context: JobContext | None = None) -> RecipePipeline:
        """The recipe's pipeline on a private connection, for previews (close it after)."""
        return RecipePipeline(self.workspace, recipe, context)

    def build(self, recipe: Recipe, context: JobContext | None = None, save: bool = False) -> BuildResult:
        """Run a recipe now (in this process) and register its outputs; with ``save``, also
        save the recipe (checked before anything is built)."""
        self._check_outputs(recipe)
        if save:
            self._check_saved_output(recipe)
        with self.pipeline(recipe, context) as pipeline:
            result = pipeline.build()
        if save:
            self.save_recipe(recipe)
        return result

    def submit_build(self, recipe: Recipe) -> int:
        """Save the recipe and run it as a background job; returns the job id."""
        self._check_outputs(recipe)
        self.save_recipe(recipe)
        return self.workspace.jobs.submit("consolidate.run", {"recipe": recipe.to_json()}, title=f"Build {recipe.output} (recipe {recipe.name})")

    def _check_saved_output(self, recipe: Recipe) -> None:
        with self.engine.connect() as connection:
            saved = connection.execute(sa.select(meta.recipes.c.spec).where(meta.recipes.c.name == recipe.name)).scalar()
        if saved is not None and saved.get("output") != recipe.output:
            raise StudioError(f"recipe {recipe.name!r} builds {saved.get('output')!r}; give the recipe a new name to build {recipe.output!r}")

    def _check_outputs(self, recipe: Recipe) -> None:
        names = [recipe.output] + ([recipe.members_output] if recipe.dedupe else [])
        with self.engine.connect() as connection:
            for name in names:
                taken = connection.execute(
                    sa.select(meta.sources.c.name, meta.sources.c.kind).where(sa.func.lower(meta.sources.c.name) == name.lower())
                ).first()
                if taken is not None and taken.kind != "dataset":
                    raise StudioError(f"{taken.name!r} is the name of a {taken.kind}; give the recipe another output name")
            for name in names:
                owner = self._builder_of(connection, name)
                if owner is not None and owner != recipe.name:
                    raise StudioError(f"dataset {name!r} is built by recipe {owner!r}; give this recipe another output name, or delete {name} first")
        inputs = {i.table for i in recipe.inputs}
        if set(names) & inputs:
            raise StudioError(f"the recipe reads {sorted(set(names) & inputs)[0]!r} and would write it too; give the output another name")

    # ------------------------------------------------------------ lineage

    def stale_inputs(self, table: TableVersion) -> list[dict[str, Any]]:
        """Inputs of a dataset version that have a newer version now: rebuilding its recipe
        would make a new version. Pinned inputs (a version in the recipe) never count."""
        if table.origin.get("kind") != "recipe":
            return []
        pinned = {i["table"] for i in table.origin.get("spec", {}).get("inputs", []) if i.get("version")}
        stale = []
        for item in table.origin.get("inputs", []):
            if item["table"] in pinned:
                continue
            store = self.workspace.datasets if item.get("kind") == "dataset" else self.workspace.sources
            try:
                newest = store.get(item["table"])
            except NotFound:
                continue
            if newest.version != item["version"]:
                stale.append({"table": item["table"], "built_from": item["version"], "newest": newest.version})
        return stale

    def lineage(self, name: str, version: int | None = None) -> dict[str, Any]:
        """The graph of tables and recipes a dataset version came from, following datasets
        back to sources: {"nodes": [{"id", "label", "kind"}], "edges": [[from, to]]}."""
        nodes: dict[str, dict[str, Any]] = {}
        edges: list[tuple[str, str]] = []

        def visit(table: TableVersion) -> str:
            node = f"{table.kind}:{table.name}:v{table.version}"
            if node in nodes:
                return node
            nodes[node] = {"id": node, "label": f"{table.name} v{table.version}", "kind": table.kind, "rows": table.rows}
            origin = table.origin
            if origin.get("kind") != "recipe":
                return node
            recipe_node = f"recipe:{origin['recipe']}:{origin['recipe_hash'][:8]}"
            nodes.setdefault(recipe_node, {"id": recipe_node, "label": f"recipe {origin['recipe']}", "kind": "recipe"})
            edges.append((recipe_node, node))
            for item in origin.get("inputs", []):
                store = self.workspace.datasets if item.get("kind") == "dataset" else self.workspace.sources
                try:
                    # By id: the table may have been renamed since (older versions recorded names only).
                    parent = store.get_by_id(item["table_id"], item["version"]) if "table_id" in item else store.get(item["table"], item["version"])
                except NotFound:
                    parent_node = f"gone:{item['table']}:v{item['version']}"
                    nodes.setdefault(parent_node, {"id": parent_node, "label": f"{item['table']} v{item['version']} (deleted)", "kind": "deleted"})
                else:
                    parent_node = visit(parent)
                if (parent_node, recipe_node) not in edges:
                    edges.append((parent_node, recipe_node))
            return node

        visit(self.get(name, version))
        return {"nodes": list(nodes.values()), "edges": [list(e) for e in edges]}

    # ------------------------------------------------------------ diff

    def default_diff_key(self, before: TableVersion, after: TableVersion) -> list[str]:
        """The columns that identify a row in both versions: the recipe's id column when it
        is unique in both (a table without deduplication), else ``cluster_id`` when both have
        it, else none (whole rows are compared)."""
        common = {c["name"] for c in before.columns} & {c["name"] for c in after.columns}
        id_column = after.origin.get("spec", {}).get("id")
        if id_column in common and after.origin.get("spec", {}).get("dedupe") is None:
            with self.lake.connect() as con:
                unique = all(
                    con.execute(f"SELECT count(*) = count(DISTINCT {sql_identifier(id_column)}) FROM read_parquet({sql_literal(str(t.path))})").fetchall()[0][0]
                    for t in (before, after)
                )
            if unique:
                return [id_column]
        return ["cluster_id"] if "cluster_id" in common else []

    def diff(self, name: str, old: int, new: int, key: list[str] | None = None) -> VersionDiff:
        """Rows added, removed and changed between two versions, and schema changes. With a
        ``key`` (columns that identify a row; default: ``cluster_id`` when both have it) rows
        are matched by key and compared on their common columns; without one, whole rows are
        compared, so a changed row counts as one removed and one added."""
        before, after = self.get(name, old), self.get(name, new)
        old_types = {c["name"]: c["type"] for c in before.columns}
        new_types = {c["name"]: c["type"] for c in after.columns}
        common = [c for c in new_types if c in old_types]
        if key is None:
            key = self.default_diff_key(before, after)
        missing = [k for k in key if k not in common]
        if missing:
            raise StudioError(f"key column {missing[0]!r} is not in both versions (common columns: {', '.join(common[:20])})")
        a, b = f"read_parquet({sql_literal(str(before.path))})", f"read_parquet({sql_literal(str(after.path))})"
        samples: dict[str, list[dict[str, Any]]] = {}
        changed_by_column: dict[str, int] = {}
        with self.lake.connect() as con:
            if key:
                on = " AND ".join(f"o.{sql_identifier(k)} IS NOT DISTINCT FROM n.{sql_identifier(k)}" for k in key)
                con.execute(f"CREATE TEMP VIEW o AS SELECT {', '.join(sql_identifier(c) for c in common)} FROM {a}")
                con.execute(f"CREATE TEMP VIEW n AS SELECT {', '.join(sql_identifier(c) for c in common)} FROM {b}")
                duplicated = con.execute(
                    f"SELECT (SELECT count(*) - count(DISTINCT ({', '.join(sql_identifier(k) for k in key)})) FROM o) + "
                    f"(SELECT count(*) - count(DISTINCT ({', '.join(sql_identifier(k) for k in key)})) FROM n)"
                ).fetchall()[0][0]
                if duplicated:
                    raise StudioError(f"key {', '.join(key)} is not unique in both versions; choose columns that identify a row")
                compared = [c for c in common if c not in key]
                differs = " OR ".join(f"o.{sql_identifier(c)} IS DISTINCT FROM n.{sql_identifier(c)}" for c in compared) or "false"
                removed = con.execute(f"SELECT count(*) FROM o ANTI JOIN n ON {on}").fetchall()[0][0]
                added = con.execute(f"SELECT count(*) FROM n ANTI JOIN o ON {on}").fetchall()[0][0]
                matched, changed = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {differs}) FROM o JOIN n ON {on}").fetchall()[0]
                unchanged = matched - changed
                for column in compared:
                    col = sql_identifier(column)
                    changed_by_column[column] = int(
                        con.execute(f"SELECT count(*) FROM o JOIN n ON {on} WHERE o.{col} IS DISTINCT FROM n.{col}").fetchall()[0][0]
                    )
                samples["added"] = _records(con, f"SELECT n.* FROM n ANTI JOIN o ON {on} LIMIT {DIFF_SAMPLE_ROWS}")
                samples["removed"] = _records(con, f"SELECT o.* FROM o ANTI JOIN n ON {on} LIMIT {DIFF_SAMPLE_ROWS}")
                if compared:
                    pairs = ", ".join(f"o.{sql_identifier(c)} AS {sql_identifier(c + ' (old)')}, n.{sql_identifier(c)} AS {sql_identifier(c + ' (new)')}" for c in compared)
                    samples["changed"] = _records(
                        con, f"SELECT {', '.join(f'o.{sql_identifier(k)}' for k in key)}, {pairs} FROM o JOIN n ON {on} WHERE {differs} LIMIT {DIFF_SAMPLE_ROWS}"
                    )
            else:
                columns = ", ".join(sql_identifier(c) for c in common)
                con.execute(f"CREATE TEMP VIEW o AS SELECT {columns} FROM {a}")
                con.execute(f"CREATE TEMP VIEW n AS SELECT {columns} FROM {b}")
                removed = int(con.execute("SELECT count(*) FROM (SELECT * FROM o EXCEPT ALL SELECT * FROM n)").fetchall()[0][0])
                added = int(con.execute("SELECT count(*) FROM (SELECT * FROM n EXCEPT ALL SELECT * FROM o)").fetchall()[0][0])
                changed, unchanged = 0, before.rows - removed
                samples["added"] = _records(con, f"SELECT * FROM n EXCEPT ALL SELECT * FROM o LIMIT {DIFF_SAMPLE_ROWS}")
                samples["removed"] = _records(con, f"SELECT * FROM o EXCEPT ALL SELECT * FROM n LIMIT {DIFF_SAMPLE_ROWS}")
        return VersionDiff(
            name=name,
            old=old,
            new=new,
            key=key,
            added_columns=[c for c in new_types if c not in old_types],
            removed_columns=[c for c in old_types if c not in new_types],
            retyped_columns=[{"column": c, "old": old_types[c], "new": new_types[c]} for c in common if old_types[c] != new_types[c]],
            rows_added=int(added),
            rows_removed=int(removed),
            rows_changed=int(changed),
            rows_unchanged=int(unchanged),
            changed_by_column=changed_by_column,
            samples=samples,
        )


def _records(con: Any, sql: str) -> list[dict[str, Any]]:
    from studio.lake import json_value

    rows = con.execute(sql).fetchall()
    columns = [d[0] for d in con.description]
    return [{c: json_value(v) for c, v in zip(columns, row)} for row in rows]
