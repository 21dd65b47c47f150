"""The feature designer's widgets: what the recipe is designed on, each column's treatment
with its values before and after on a sample, expressions and entity aggregates.

The recipe being designed lives in session state as JSON (``SPEC``) for the table version and
target it belongs to (``FOR``). Widgets of a column are keyed by a generation number that
grows whenever the recipe is replaced as a whole (a new table or target, a saved version
loaded, the proof's rejects applied), so they start again from the new recipe. Buttons act in
callbacks that replace what they name, never append, so a click that lands twice changes
nothing more."""

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components.feature_charts import before_after_figure, values_figure
from components.layout import keep_error, workspace
from studio import StudioError, Workspace
from studio.features import FeatureRecipe, check_expression, classify_columns, expression_columns, suggest_recipe
from studio.features._designer import (
    checked_steps,
    default_steps,
    entity_keys,
    event_tables,
    feature_preview,
    treatment_form,
    treatment_steps,
    with_column,
    with_item,
    with_rejected,
    without_item,
)
from studio.features._recipe import FUNCTIONS
from studio.features._steps import BIN_ENCODINGS, CYCLIC_PERIODS, DATE_PARTS, TEXT_STATS
from studio.tables import TableVersion, column_kind

SPEC, FOR, GEN = "fd_spec", "fd_for", "fd_gen"
PROOF, PROVED = "fd_proof", "fd_proved"  # the last proof and the recipe it proved
LOADED = "fd_loaded"  # the saved recipe's name the design started from, for saving
SAMPLE_ROWS = 2_000
EDITABLE_KINDS = ("numeric", "categorical", "date", "text", "boolean", "identifier")
state = st.session_state


@dataclass(frozen=True)
class Design:
    """What the page designs on: the table version, its target and its columns' kinds."""

    table: TableVersion
    target: str
    kinds: list[dict[str, Any]]  # classify_columns: name, type, kind, why, suggested treatment

    @property
    def recipe(self) -> FeatureRecipe:
        return FeatureRecipe.from_json(state[SPEC])

    def key(self, *parts: Any) -> str:
        return "_".join(["fd", str(state.get(GEN, 0)), *map(str, parts)])


def replace_spec(spec: dict[str, Any]) -> None:
    """Take ``spec`` as the recipe being designed, all of it (widgets start again)."""
    state[SPEC] = FeatureRecipe.from_json(spec).to_json()
    state[GEN] = state.get(GEN, 0) + 1


def update_spec(spec: dict[str, Any]) -> None:
    """Take ``spec`` as the recipe being designed when it is valid, else keep the error to show."""
    try:
        state[SPEC] = FeatureRecipe.from_json(spec).to_json()
    except StudioError as exc:
        keep_error(exc.message, "fd_edit")


def design_tables(current: Workspace) -> dict[str, TableVersion]:
    """The tables a recipe can be designed on (newest versions): datasets, then sources."""
    return {t.name: t for t in [*current.datasets.list(), *current.sources.list()]}


# ------------------------------------------------------------ what it is designed on


def _load_saved(current: Workspace, choice: str) -> None:
    """"Start from" callback: a saved version's recipe, with the proof it was saved with."""
    if choice == SUGGESTION:
        state[FOR] = None  # the next run starts from the suggestion again
        state.pop(LOADED, None)
        return
    name, _, number = choice.rpartition(" v")
    saved = current.features.get(name, int(number))
    replace_spec(saved.info["spec"])
    state[PROOF], state[PROVED], state[LOADED] = saved.proof, saved.info["spec"], saved.name


SUGGESTION = "the studio's suggestion"


def pick_design(current: Workspace, tables: dict[str, TableVersion]) -> Design | None:
    """Table, version and target pickers, and where the design starts from; None until a
    target is chosen."""
    names = list(tables)
    left, middle, right = st.columns([3, 1, 3])
    default = names.index("delivery_training") if "delivery_training" in names else 0
    name = left.selectbox("Dataset or source", names, index=default, key="fd_table")
    versions = [v.version for v in current.tables.versions(name)]
    version = middle.selectbox("Version", versions, key=f"fd_version_{name}", format_func=lambda n: f"v{n}")
    table = current.tables.get(name, version)
    columns = [c["name"] for c in table.columns]
    target = right.selectbox("Target: the column to predict", columns, index=None, key=f"fd_target_{name}", placeholder="Choose the column to predict")
    if target is None:
        st.info("Choose the target: the column a model will predict. Every other column is listed with its kind and a suggested treatment.")
        return None
    profile = current.tables.cached_profile(name, version)
    kinds = classify_columns(table.columns, profile, target)
    if state.get(FOR) != [name, version, target]:
        replace_spec(suggest_recipe(table.columns, profile, target).to_json())
        state[FOR] = [name, version, target]
        state[PROOF] = state[PROVED] = None
    saved = [f"{v.name} v{v.version}" for v in current.features.versions_for(target, table)]
    start, time_pick, group_pick = st.columns([3, 2, 2])
    start.selectbox(
        "Start from", [SUGGESTION, *saved], key=f"fd_start_{name}_{target}", on_change=lambda: _load_saved(current, state[f"fd_start_{name}_{target}"]),
        help="A saved recipe version for this target loads into the designer, with the proof it was saved with.",
    )  # fmt: skip
    spec = state[SPEC]
    temporal = [c["name"] for c in table.columns if column_kind(c["type"]) == "temporal"]
    time_column = time_pick.selectbox(
        "Time column", temporal, index=temporal.index(spec["time_column"]) if spec["time_column"] in temporal else None, key=f"fd_{state[GEN]}_time",
        placeholder="none", help="When each prediction is made: aggregates count only events before it, the proof splits by it and flags times after it.",
    )  # fmt: skip
    group_options = [c for c in columns if c != target]
    group_column = group_pick.selectbox(
        "Group column", group_options, index=group_options.index(spec["group_column"]) if spec["group_column"] in group_options else None,
        key=f"fd_{state[GEN]}_group", placeholder="none", help="Rows of one group (a consolidated entity, cluster_id) stay on one side of every split.",
    )  # fmt: skip
    if (time_column, group_column) != (spec["time_column"], spec["group_column"]):
        update_spec({**spec, "time_column": time_column, "group_column": group_column})
    if profile is None:
        st.caption(f"{name} v{version} has no profile yet: kinds are read from types and names. Profile it on its page for better suggestions.")
    return Design(table, target, kinds)


@st.cache_data(max_entries=8, show_spinner=f"Sampling {SAMPLE_ROWS:,} rows in DuckDB…")
def _sample(root: str, table: str, version: int, aggregates_json: str, signature: str) -> pd.DataFrame:
    """Cached by workspace, table version, aggregates and the lake's tables (``signature``)."""
    spec = json.loads(aggregates_json)
    recipe = FeatureRecipe.from_json(spec) if spec["aggregates"] else None
    return workspace().features.sample(table, version, recipe, rows=SAMPLE_ROWS)


def sample(current: Workspace, design: Design) -> pd.DataFrame:
    """The design's sample (with the recipe's aggregates), cached until a table changes."""
    spec = state[SPEC]
    key = json.dumps({"target": spec["target"], "time_column": spec["time_column"], "aggregates": spec["aggregates"]}, sort_keys=True)
    signature = json.dumps(sorted((name, str(path)) for name, path in current.tables.lake_tables().items()))
    return _sample(str(current.root), design.table.name, design.table.version, key, signature)


# ------------------------------------------------------------ columns


def columns_overview(design: Design) -> pd.DataFrame:
    """One row per column: its kind (and why), its treatment and whether the model sees it."""
    recipe = design.recipe
    rows = []
    for entry in design.kinds:
        treatment = recipe.columns.get(entry["name"])
        state_text = "rejected" if entry["name"] in recipe.rejected else "dropped" if treatment is None or treatment.drop else "used"
        steps = ", ".join(s.to_json()["op"] for s in treatment.steps) if treatment is not None else ""
        rows.append({"column": entry["name"], "type": entry["type"], "kind": treatment.kind if treatment else entry["kind"], "treatment": steps or "—",
                     "model sees it": state_text, "why this kind": entry["why"]})  # fmt: skip
    return pd.DataFrame(rows)


def _steps_form(design: Design, name: str, kind: str, steps: list[dict[str, Any]], columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The widgets of one treatment's settings; returns its steps as set."""
    form = treatment_form(kind, steps)
    key = lambda part: design.key(name, kind, part)  # noqa: E731
    strategies = {"numeric": ["mean", "median", "most_frequent", "constant"], "categorical": ["most_frequent", "constant"],
                  "boolean": ["most_frequent"], "date": ["mean", "median"], "text": ["constant", "median"]}.get(kind, [])  # fmt: skip
    if kind == "date":
        first, second, third = st.columns(3)
        form["parts"] = first.multiselect("Date parts", DATE_PARTS, default=form["parts"], key=key("parts"))
        form["cyclic"] = second.multiselect("Cyclic (sin, cos)", list(CYCLIC_PERIODS), default=form["cyclic"], key=key("cyclic"))
        others = [c["name"] for c in columns if column_kind(c["type"]) == "temporal" and c["name"] != name]
        since = (form["elapsed"] or [{}])[0].get("since")
        chosen = third.selectbox("Time since", others, index=others.index(since) if since in others else None, key=key("since"), placeholder="none")
        unit = (form["elapsed"] or [{}])[0].get("unit", "days")
        form["elapsed"] = [{"since": chosen, "unit": unit}] if chosen else []
    if kind == "text":
        form["stats"] = st.multiselect("Text statistics", TEXT_STATS, default=form["stats"], key=key("stats"))
    if strategies:
        first, second, third = st.columns(3, vertical_alignment="bottom")
        form["impute"] = first.selectbox("Fill missing values", strategies, index=strategies.index(form["impute"]) if form["impute"] in strategies else None,
                                         key=key("impute"), placeholder="leave missing")  # fmt: skip
        if form["impute"] == "constant":
            form["impute_value"] = (second.text_input("Fill with", value=str(form["impute_value"] or "unknown"), key=key("value")) if kind == "categorical"
                                    else second.number_input("Fill with", value=float(form["impute_value"] or 0.0), key=key("value")))  # fmt: skip
        form["indicator"] = third.checkbox("Add a missing indicator", value=form["indicator"], key=key("indicator"), disabled=not form["impute"])
    if kind == "numeric":
        first, second, third, fourth = st.columns(4, vertical_alignment="bottom")
        form["clip_low"] = first.number_input("Clip below", value=form["clip_low"], key=key("low"), placeholder="no limit")
        form["clip_high"] = second.number_input("Clip above", value=form["clip_high"], key=key("high"), placeholder="no limit")
        form["log"] = third.checkbox("Log", value=form["log"], key=key("log"), help="sign(x)·log(1+|x|)")
        form["standardize"] = fourth.checkbox("Standardize", value=form["standardize"], key=key("standardize"))
        first, second, _rest = st.columns([1, 1, 2], vertical_alignment="bottom")
        bins = first.number_input("Quantile bins", min_value=0, max_value=100, value=int(form["bins"] or 0), key=key("bins"), help="0: no bins")
        form["bins"] = bins or None
        form["bins_encode"] = second.selectbox("Bins as", BIN_ENCODINGS, index=BIN_ENCODINGS.index(form["bins_encode"]), key=key("encode"), disabled=not bins)
    elif kind == "categorical":
        encodings = ["one_hot", "ordinal", "target"]
        first, second, third = st.columns(3)
        form["encoding"] = first.selectbox("Encoding", encodings, index=encodings.index(form["encoding"]), key=key("encoding"),
                                           help="one_hot: a column per category (rare ones grouped); ordinal: numbers; target: the mean target, cross-fitted")  # fmt: skip
        if form["encoding"] == "one_hot":
            form["min_frequency"] = second.number_input("Group categories rarer than", min_value=0.0, value=float(form["min_frequency"]), step=0.01, key=key("rare"))
            form["max_categories"] = int(third.number_input("At most columns", min_value=2, max_value=1000, value=int(form["max_categories"] or 30), key=key("max")))
    elif kind in ("date", "text"):
        form["log"] = kind == "text" and st.checkbox("Log", value=form["log"], key=key("log"))
        form["standardize"] = st.checkbox("Standardize", value=form["standardize"], key=key("standardize"))
    return treatment_steps(kind, form)


def column_editor(current: Workspace, design: Design, frame: pd.DataFrame) -> None:
    """Tune one column: use it or not, its kind, its steps; its values before and after."""
    recipe = design.recipe
    names = [entry["name"] for entry in design.kinds]
    first_used = next((i for i, n in enumerate(names) if n in recipe.used_columns()), 0)
    name = st.selectbox("Column to tune", names, index=first_used, key=design.key("column"),
                        format_func=lambda n: f"{n}  ({recipe.columns[n].kind})" if n in recipe.columns else n)  # fmt: skip
    treatment = recipe.columns.get(name)
    kind = treatment.kind if treatment else "identifier"
    used = treatment is not None and not treatment.drop and name not in recipe.rejected
    first, second = st.columns([1, 2])
    use = first.toggle(f"Use {name}", value=used, key=design.key(name, "use"), help="Off: the model never sees this column.")
    picked = second.selectbox("Kind", EDITABLE_KINDS, index=EDITABLE_KINDS.index(kind) if kind in EDITABLE_KINDS else 0, key=design.key(name, "kind"),
                              help="identifier columns are always left out; give one another kind to use it")  # fmt: skip
    steps = treatment.to_json()["steps"] if treatment is not None and picked == kind else default_steps(picked)
    if picked != "identifier" and use:
        steps = _steps_form(design, name, picked, steps, design.table.columns)
    spec = state[SPEC]
    if use and picked == "identifier":
        st.warning("An identifier is always left out; give it another kind (categorical, numeric) to use it.", icon=":material/badge:")
    drop = not use or picked == "identifier"
    try:
        steps = checked_steps(picked, steps, name) if not drop else steps
    except StudioError as exc:
        st.error(exc.message, icon=":material/error:")
        return
    changed = with_column(spec, name, picked, steps, drop)
    if use and name in spec["rejected"]:
        changed = with_rejected(changed, name, False)
    if changed != spec:
        update_spec(changed)  # the overview (drawn after this, above it) and the other tabs follow
    with st.spinner("Fitting the treatment on the sample…"):
        try:
            before, after = feature_preview(frame, design.recipe, name)
        except StudioError as exc:
            st.error(exc.message, icon=":material/error:")
            return
    st.plotly_chart(before_after_figure(name, before, after), width="stretch", key=design.key(name, "chart"))


# ------------------------------------------------------------ expressions and aggregates


def _add_item(current: Workspace, design: Design, section: str, item: dict[str, Any]) -> None:
    """Add button callback: the recipe with ``item`` (replacing one of its name), checked
    against the table and its event tables."""
    spec = with_item(state[SPEC], section, item)
    try:
        current.features.check(spec, design.table.name, design.table.version)
    except StudioError as exc:
        keep_error(exc.message, f"fd_{section}")
        return
    state[SPEC] = FeatureRecipe.from_json(spec).to_json()


def _remove_item(section: str, name: str) -> None:
    state[SPEC] = without_item(state[SPEC], section, name)


def expression_box(current: Workspace, design: Design, frame: pd.DataFrame) -> None:
    """Type an expression: checked at each change, with the columns it may use and its values
    on the sample; then add it."""
    recipe = design.recipe
    may_use = expression_columns(design.table.columns, recipe)
    first, second = st.columns([1, 3])
    name = first.text_input("Expression name", key="fd_expr_name", placeholder="e.g. travel_hours")
    text = second.text_input("Expression", key="fd_expr_text", placeholder="e.g. distance_km / courier_speed_kmh")
    st.caption("It may use: " + ", ".join(f"`{column}` ({kind})" for column, kind in may_use.items()) + ". Functions: log, sqrt, abs, clip, min, max, if_else, coalesce, isnull, days_between, …")
    valid = False
    if text.strip():
        try:
            check_expression(text, may_use)
            trial = with_item(state[SPEC], "expressions", {"name": name.strip() or "expression", "expr": text})
            values, _after = feature_preview(frame, FeatureRecipe.from_json(trial), name.strip() or "expression")
        except StudioError as exc:
            st.error(exc.message, icon=":material/error:")
        else:
            valid = True
            st.success("A valid expression: a number for every row.", icon=":material/check_circle:")
            st.plotly_chart(values_figure(name.strip() or "expression", values), width="stretch", key="fd_expr_chart")
    st.button(
        "Add expression", key="fd_add_expr", icon=":material/add:", disabled=not (valid and name.strip()),
        on_click=lambda: _add_item(current, design, "expressions", {"name": state["fd_expr_name"].strip(), "expr": state["fd_expr_text"]}),
    )  # fmt: skip
    _item_list(recipe, "expressions", [(d.name, d.expr) for d in recipe.expressions])


def _item_list(recipe: FeatureRecipe, section: str, items: list[tuple[str, str]]) -> None:
    for name, text in items:
        line, button = st.columns([6, 1], vertical_alignment="center")
        line.markdown(f"**{name}** = `{text}`" + ("  — left out" if name in recipe.rejected else ""))
        button.button("Remove", key=f"fd_remove_{section}_{name}", icon=":material/delete:", on_click=_remove_item, args=(section, name))


def aggregate_form(current: Workspace, design: Design, tables: dict[str, TableVersion]) -> None:
    """An entity aggregate from a form: event table, entity key, time column, window, function."""
    recipe = design.recipe
    if recipe.time_column is None:
        st.info("Choose the time column above first: each row's aggregates count only the events before its time.")
    first, second, third = st.columns(3)
    event_name = first.selectbox("Event table", event_tables({n: t.columns for n, t in tables.items()}, design.table.name), key="fd_agg_table")
    events = tables[event_name].columns
    keys = entity_keys(events, design.table.columns, {entry["name"] for entry in design.kinds if entry["kind"] == "identifier"})
    entity = second.selectbox("Entity key (in both tables)", keys, key=f"fd_agg_entity_{event_name}", placeholder="no shared column")
    times = [c["name"] for c in events if column_kind(c["type"]) == "temporal"]
    time = third.selectbox("Event time", times, key=f"fd_agg_time_{event_name}", placeholder="no time column")
    fourth, fifth, sixth, seventh = st.columns(4)
    window = fourth.text_input("Window", value="7d", key="fd_agg_window", help='like "7d", "12h", "30m", "2w", or "all"')
    function = fifth.selectbox("Function", FUNCTIONS, key="fd_agg_function")
    numbers = [c["name"] for c in events if column_kind(c["type"]) in ("numeric", "boolean")]
    column = sixth.selectbox("Of column", numbers, key=f"fd_agg_column_{event_name}", disabled=function == "count", placeholder="—")
    suggested = f"{(entity or 'entity').removesuffix('_id')}_{'orders' if function == 'count' else f'{function}_{column}'}_{window.strip()}"
    name = seventh.text_input("Aggregate name", value=suggested, key=f"fd_agg_name_{event_name}_{entity}_{function}_{column}_{window}")
    item = {"name": name.strip(), "table": event_name, "entity": entity, "time": time, "window": window, "function": function,
            "column": None if function == "count" else column}  # fmt: skip
    st.button(
        "Add aggregate", key="fd_add_agg", icon=":material/add:", disabled=not (entity and time and name.strip() and recipe.time_column),
        on_click=_add_item, args=(current, design, "aggregates", item),
    )  # fmt: skip
    _item_list(recipe, "aggregates", [(a.name, f"{a.function}{f'({a.column})' if a.column else ''} of {a.table} by {a.entity} over {a.window}") for a in recipe.aggregates])
