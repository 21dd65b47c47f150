"""``studio features``: prove features, save feature recipes as versions, diff them, apply one
to a table, and refresh a recipe's online table."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from studio.cli._common import confirm, counted, emit, json_option, progress_printer, read_json_file, workspace_option
from studio.errors import StudioError
from studio.workspace import Workspace

if TYPE_CHECKING:
    from studio.features import FeatureRecipe, FeatureRecipeStore, RecipeVersion

REASONS_SHOWN = 1


def recipe_file(value: str, version: int | None) -> Any:
    """The JSON of a recipe named on the command line when ``value`` is a file (or ends in
    .json); None when it is a saved recipe's name."""
    path = Path(value)
    if not (path.is_file() or path.suffix.lower() == ".json"):
        return None
    if version is not None:
        raise StudioError("--recipe-version goes with a saved recipe's name, not a file")
    return read_json_file(path)


def recipe_from(store: "FeatureRecipeStore", value: str, version: int | None = None) -> "FeatureRecipe":
    """A recipe named on the command line: a JSON file when ``value`` is one, else a saved
    recipe's name (its ``version``, default newest)."""
    from studio.features import FeatureRecipe

    spec = recipe_file(value, version)
    return store.get(value, version).recipe if spec is None else FeatureRecipe.from_json(spec)


def proof_text(proof: dict[str, Any]) -> str:
    """The proof as a table a person reads: one line per feature, strongest first."""
    split = proof["split"]
    how = {"time": f"split by time on {split['time_column']}", "group": f"split by {split['group_column']}", "random": "random split"}[split["method"]]
    lines = [
        f"{proof['table']} v{proof['version']}: {counted(proof['rows'], 'row')}, proved on {proof['sample_rows']:,} for {proof['target']} "
        f"({proof['task']}, {proof['metric']}; {how})",
        f"  {'verdict':<8} {'feature':<28} {'mutual info':>11} {'score':>7} {'missing':>8}  reasons",
    ]
    for feature in proof["features"]:
        score = "" if feature["single_feature_score"] is None else f"{feature['single_feature_score']:.3f}"
        reasons = "; ".join(feature["reasons"][:REASONS_SHOWN]) + (f" (+{len(feature['reasons']) - REASONS_SHOWN} more)" if len(feature["reasons"]) > REASONS_SHOWN else "")
        lines.append(f"  {feature['verdict']:<8} {feature['name']:<28} {feature['mutual_info']:>11.3f} {score:>7} {feature['missing_rate']:>8.1%}  {reasons}")
    return "\n".join(lines)


def version_line(version: "RecipeVersion") -> str:
    summary = version.summary()
    verdicts = summary["verdicts"]
    proved = ", ".join(f"{n} {verdict}" for verdict, n in verdicts.items()) if verdicts else "not proved"
    on = f"designed on {summary['designed_on']}" if summary["designed_on"] else "no table recorded"
    return (
        f"{version.name:<24} v{version.version:<3} target {summary['target']}: {counted(summary['columns_used'], 'column')}, "
        f"{counted(summary['expressions'], 'expression')}, {counted(summary['aggregates'], 'aggregate')}; {on}; {proved}"
    )


@click.group()
def features() -> None:
    """Prove features and keep feature recipes (versioned, diffable)."""


@features.command("check")
@click.argument("table")
@click.option("--target", required=True, help="The column to predict.")
@click.option("--recipe", "recipe_ref", help="A saved feature recipe's name, or a recipe file (JSON); default: the table's columns as they are.")
@click.option("--recipe-version", type=int, help="Version of the saved recipe (default: newest).")
@click.option("--version", "version", type=int, help="Version of TABLE (default: newest).")
@click.option("--time-column", help="When each row's prediction is made: orders the stability folds, flags times after it.")
@click.option("--group-column", help="Rows of one group stay on one side of a split (default: cluster_id when the table has it).")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def check(
    table: str, target: str, recipe_ref: str | None, recipe_version: int | None, version: int | None, time_column: str | None,
    group_column: str | None, quiet: bool, workspace_dir: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """Prove each feature of TABLE: strength, stability, missingness, redundancy, leaks; a verdict each."""
    from studio.jobs import JobContext

    store = Workspace.open(workspace_dir).features
    recipe = recipe_from(store, recipe_ref, recipe_version) if recipe_ref else None
    context = JobContext(on_progress=progress_printer(quiet or as_json))
    proof = store.prove(table, target, version, recipe, time_column, group_column, context=context)
    emit(as_json, proof, proof_text(proof))


@features.command("save")
@click.argument("recipe_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The recipe's name (a new version when it exists).")
@click.option("--table", help="The table it is designed on (checked against it, recorded as its origin).")
@click.option("--version", "version", type=int, help="Version of --table (default: newest).")
@click.option("--prove", is_flag=True, help="Prove the recipe on --table and save the proof with it.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def save(
    recipe_file: Path, name: str, table: str | None, version: int | None, prove: bool, quiet: bool, workspace_dir: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """Save a recipe file (JSON) as the next version of NAME; prints the version."""
    from studio.jobs import JobContext

    if prove and table is None:
        raise StudioError("--prove needs --table: the table to prove the recipe on")
    store = Workspace.open(workspace_dir).features
    recipe = store.check(read_json_file(recipe_file), table, version)
    proof = store.prove(table, recipe.target, version, recipe, context=JobContext(on_progress=progress_printer(quiet or as_json))) if prove and table is not None else None
    saved = store.save(name, recipe, table, version, proof)
    emit(as_json, saved.to_json(), version_line(saved.recipe) + (" (unchanged)" if saved.unchanged else ""))


@features.command("list")
@workspace_option
@json_option
def list_(workspace_dir: Path | None, as_json: bool) -> None:
    """List feature recipes (newest version of each)."""
    items = Workspace.open(workspace_dir).features.list()
    emit(as_json, [v.summary() for v in items], "\n".join(version_line(v) for v in items) or "no feature recipes yet; save one with `studio features save FILE --name NAME` or on the Features page")


@features.command("show")
@click.argument("name")
@click.option("--version", "version", type=int, help="Version (default: newest).")
@workspace_option
@json_option
def show(name: str, version: int | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Show a recipe version: its treatments, expressions, aggregates and the proof it was saved with."""
    found = Workspace.open(workspace_dir).features.get(name, version)
    recipe = found.recipe
    lines = [version_line(found), f"  time column {recipe.time_column or '-'}, group column {recipe.group_column or '-'}"]
    for column, treatment in sorted(recipe.columns.items()):
        steps = ", ".join(s.to_json()["op"] for s in treatment.steps) or "as is"
        state = "dropped" if treatment.drop else "rejected" if column in recipe.rejected else steps
        lines.append(f"  column     {column:<28} {treatment.kind:<12} {state}")
    lines += [f"  expression {d.name:<28} {d.expr}" for d in recipe.expressions]
    lines += [f"  aggregate  {a.name:<28} {a.function}{f'({a.column})' if a.column else ''} of {a.table} by {a.entity} over {a.window}" for a in recipe.aggregates]
    emit(as_json, found.to_json(), "\n".join(lines))


@features.command("versions")
@click.argument("name")
@workspace_option
@json_option
def versions(name: str, workspace_dir: Path | None, as_json: bool) -> None:
    """List all versions of a recipe, newest first."""
    items = Workspace.open(workspace_dir).features.versions(name)
    emit(as_json, [v.summary() for v in items], "\n".join(version_line(v) for v in items))


@features.command("diff")
@click.argument("name")
@click.argument("old", type=int)
@click.argument("new", type=int)
@workspace_option
@json_option
def diff(name: str, old: int, new: int, workspace_dir: Path | None, as_json: bool) -> None:
    """What changed between versions OLD and NEW: treatments, expressions, aggregates, settings."""
    from studio.features import diff_lines

    found = Workspace.open(workspace_dir).features.diff(name, old, new)
    emit(as_json, found, "\n".join([f"{name} v{old} -> v{new}", *(f"  {line}" for line in diff_lines(found))]))


@features.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@workspace_option
@json_option
def delete(name: str, yes: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Delete a feature recipe and all its versions (its online table stays)."""
    store = Workspace.open(workspace_dir).features
    existing = store.versions(name)
    if not yes:
        confirm(f"delete feature recipe {name} and its {counted(len(existing), 'version')}?")
    deleted = store.delete(name)
    emit(as_json, {"name": name, "deleted_versions": deleted}, f"deleted feature recipe {name} ({counted(len(deleted), 'version')})")


@features.command("apply")
@click.argument("recipe_ref", metavar="RECIPE")
@click.argument("table")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Where to write the features (.parquet or .csv).")
@click.option("--recipe-version", type=int, help="Version of the saved recipe (default: newest).")
@click.option("--version", "version", type=int, help="Version of TABLE (default: newest).")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def apply(
    recipe_ref: str, table: str, out: Path, recipe_version: int | None, version: int | None, overwrite: bool, quiet: bool,
    workspace_dir: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """Fit RECIPE (a saved name or a file) on TABLE and write its output for every row."""
    from studio.jobs import JobContext

    store = Workspace.open(workspace_dir).features
    recipe = recipe_from(store, recipe_ref, recipe_version)
    written = store.apply(recipe, table, out, version, overwrite, JobContext(on_progress=progress_printer(quiet or as_json)))
    emit(as_json, written, f"wrote {counted(written['rows'], 'row')} x {counted(len(written['columns']), 'column')} to {written['path']} (fitted on {written['fitted_on']:,} rows)")


@features.command("materialize")
@click.argument("name")
@click.option("--version", "version", type=int, help="Version of the recipe (default: newest).")
@click.option("--as-of", help="The moment the values are computed before (ISO, e.g. 2026-09-28 12:00; default: just after the newest event).")
@workspace_option
@json_option
def materialize(name: str, version: int | None, as_of: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Refresh a recipe's online table: the latest value of each aggregate per entity, for serving."""
    added = Workspace.open(workspace_dir).features.materialize(name, version, as_of)
    table = added.table
    emit(as_json, added.to_json(), f"{table.name} v{table.version}: {counted(table.rows, 'value')} as of {table.origin['as_of']}" + (" (unchanged)" if added.unchanged else ""))


COMMANDS = (features,)
