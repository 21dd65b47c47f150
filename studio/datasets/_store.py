"""DatasetStore: datasets (tables built by recipes) and the saved consolidation recipes.

Datasets are lake tables like sources (``studio.tables``); each version's origin is its
lineage: the recipe (name, hash and full spec) and the exact input versions it read. The store
answers for its recipes when another store asks what depends on a table: a saved recipe that
reads a table blocks deleting and renaming it, one that writes it blocks renaming it.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from studio import meta
from studio.datasets._build import BuildResult, RecipePipeline
from studio.datasets._diff import VersionDiff, default_diff_key, diff_versions
from studio.datasets._recipe import Recipe
from studio.errors import NotFound, StudioError
from studio.jobs import JobContext
from studio.sql import referenced_names
from studio.tables import TABLE_NAMESPACE, TableStore, TableVersion
from studio.versioned import AssetRef, Dependent, StoreServices

RECIPE_FIX = "point {them} at another table, or delete {them} first (`studio consolidate delete NAME`, or the Consolidate page)"


class DatasetStore(TableStore):
    kind = "dataset"
    reads = ("dataset",)
    noun = "dataset"
    list_command = "studio datasets list"
    versions_command = "studio datasets versions"

    def __init__(self, services: StoreServices) -> None:
        super().__init__(services)
        self.tables = TableStore(services)  # recipes read sources and datasets alike

    # ------------------------------------------------------------ recipes

    def _saved_spec(self, connection: sa.Connection, name: str) -> dict[str, Any] | None:
        r = meta.consolidation_recipes
        return connection.execute(sa.select(r.c.spec).where(r.c.name_key == name.lower())).scalar()

    def _builder_of(self, connection: sa.Connection, name: str) -> str | None:
        """The recipe that built the newest version of dataset ``name`` (None: no such dataset)."""
        try:
            return self.get(name, connection=connection).origin.get("recipe")
        except NotFound:
            return None

    def save_recipe(self, recipe: Recipe) -> Recipe:
        """Save (or replace) a recipe under its name (names ignore case; the first spelling
        stays). A saved recipe keeps its output: building another dataset takes a recipe of its
        own, so no dataset loses the recipe behind it."""
        self._check_outputs(recipe)
        self._check_saved_output(recipe)
        r, now = meta.consolidation_recipes, time.time()
        with self.engine.begin() as connection:
            updated = connection.execute(sa.update(r).where(r.c.name_key == recipe.name.lower()).values(spec=recipe.to_json(), updated_at=now)).rowcount
            if not updated:
                connection.execute(sa.insert(r).values(name=recipe.name, name_key=recipe.name.lower(), spec=recipe.to_json(), created_at=now, updated_at=now))
        return recipe

    def recipe(self, name: str) -> Recipe:
        with self.engine.connect() as connection:
            spec = self._saved_spec(connection, name)
        if spec is None:
            raise NotFound(f"no recipe {name!r}; `studio consolidate recipes` lists them")
        return Recipe.from_json(spec)

    def recipes(self, connection: sa.Connection | None = None) -> list[dict[str, Any]]:
        query = sa.select(meta.consolidation_recipes).order_by(meta.consolidation_recipes.c.name)
        if connection is None:
            with self.engine.connect() as own:
                rows = own.execute(query).all()
        else:
            rows = connection.execute(query).all()
        return [{"name": r.name, "spec": r.spec, "created_at": r.created_at, "updated_at": r.updated_at} for r in rows]

    def delete_recipe(self, name: str) -> None:
        r = meta.consolidation_recipes
        with self.engine.begin() as connection:
            if not connection.execute(sa.delete(r).where(r.c.name_key == name.lower())).rowcount:
                raise NotFound(f"no recipe {name!r}")

    def tables_read(self, recipe: Recipe) -> list[str]:
        """The tables a recipe reads: its inputs, then those its SQL step names."""
        read = [i.table for i in recipe.inputs]
        via_sql = referenced_names(recipe.sql, self.tables.lake_tables()) if recipe.sql else []
        return read + [name for name in via_sql if name.lower() not in {r.lower() for r in read}]

    def missing_inputs(self, recipe: Recipe) -> list[str]:
        """The recipe's input tables that do not exist (any more)."""
        present = {name.lower() for name in self.tables.lake_tables()}
        return [i.table for i in recipe.inputs if i.table.lower() not in present]

    def built_by(self, recipe_name: str) -> list[TableVersion]:
        """The datasets (newest versions) whose newest version this recipe built."""
        return [d for d in self.list() if str(d.origin.get("recipe", "")).lower() == recipe_name.lower()]

    def dependents_of(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]:
        """Saved recipes that read the table (as an input or in their SQL step: they block
        deleting and renaming it) or write it (their output or members table: renaming only,
        since building the recipe makes its output again)."""
        if ref.namespace != TABLE_NAMESPACE:
            return []
        found = []
        name = ref.name.lower()
        for saved in self.recipes(connection):
            recipe = Recipe.from_json(saved["spec"])
            reads = {i.table.lower() for i in recipe.inputs}
            if recipe.sql:
                reads |= {n.lower() for n in referenced_names(recipe.sql, [ref.name])}
            if name in reads:
                found.append(Dependent("recipe", recipe.name, {"rename": "named by", "delete": "read by"}, RECIPE_FIX))
            elif name in {recipe.output.lower(), recipe.members_output.lower()}:
                found.append(Dependent("recipe", recipe.name, {"rename": "named by"}, RECIPE_FIX))
        return found

    # ------------------------------------------------------------ building

    def pipeline(self, recipe: Recipe, context: JobContext | None = None) -> RecipePipeline:
        """The recipe's pipeline on a private connection, for previews (close it after)."""
        return RecipePipeline(self, recipe, context)

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
        return self.services.submit_job("consolidate.run", {"recipe": recipe.to_json()}, f"Build {recipe.output} (recipe {recipe.name})")

    def _check_saved_output(self, recipe: Recipe) -> None:
        with self.engine.connect() as connection:
            saved = self._saved_spec(connection, recipe.name)
        if saved is not None and saved.get("output") != recipe.output:
            raise StudioError(f"recipe {recipe.name!r} builds {saved.get('output')!r}; give the recipe a new name to build {recipe.output!r}")

    def _check_outputs(self, recipe: Recipe) -> None:
        names = [recipe.output] + ([recipe.members_output] if recipe.dedupe else [])
        with self.engine.connect() as connection:
            for name in names:
                try:
                    taken = self.tables.get(name, connection=connection)
                except NotFound:
                    continue
                if taken.kind != "dataset":
                    raise StudioError(f"{taken.name!r} is the name of a {taken.kind}; give the recipe another output name")
            for name in names:
                owner = self._builder_of(connection, name)
                if owner is not None and owner.lower() != recipe.name.lower():
                    raise StudioError(f"dataset {name!r} is built by recipe {owner!r}; give this recipe another output name, or delete {name} first")
        inputs = {i.table for i in recipe.inputs}
        if set(names) & inputs:
            raise StudioError(f"the recipe reads {sorted(set(names) & inputs)[0]!r} and would write it too; give the output another name")

    # ------------------------------------------------------------ lineage

    def _input_version(self, item: dict[str, Any]) -> TableVersion:
        """An input a version's lineage names: by id (it may have been renamed since; older
        versions recorded names only)."""
        if "table_id" in item:
            return self.tables.get_by_id(item["table_id"], item["version"])
        return self.tables.get(item["table"], item["version"])

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
            try:
                newest = self.tables.get(item["table"])
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
                try:
                    parent_node = visit(self._input_version(item))
                except NotFound:
                    parent_node = f"gone:{item['table']}:v{item['version']}"
                    nodes.setdefault(parent_node, {"id": parent_node, "label": f"{item['table']} v{item['version']} (deleted)", "kind": "deleted"})
                if (parent_node, recipe_node) not in edges:
                    edges.append((parent_node, recipe_node))
            return node

        visit(self.get(name, version))
        return {"nodes": list(nodes.values()), "edges": [list(e) for e in edges]}

    # ------------------------------------------------------------ diff

    def default_diff_key(self, before: TableVersion, after: TableVersion) -> list[str]:
        """The columns that identify a row in both versions (see ``default_diff_key``)."""
        return default_diff_key(self.lake, before, after)

    def diff(self, name: str, old: int, new: int, key: list[str] | None = None) -> VersionDiff:
        """Rows added, removed and changed between two versions, and schema changes. With a
        ``key`` (columns that identify a row; default: the recipe's id column when unique, else
        ``cluster_id`` when both have it) rows are matched by key and compared on their common
        columns; without one, whole rows are compared, so a changed row counts as one removed
        and one added."""
        return diff_versions(self.lake, self.get(name, old), self.get(name, new), key)
