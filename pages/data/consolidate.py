"""Consolidate: align several sources onto one schema, normalize, deduplicate (exact or fuzzy,
with a review of pairs) and build a versioned dataset from the saved recipe."""

import json
from typing import Any

import pandas as pd
import streamlit as st

from components.dataset_charts import match_weight_figure, probability_to_weight
from components.jobs_view import track
from components.layout import ask, asked, count_column, outcome, page_header, user_errors
from components.recipe_form import (
    fuzzy_config_editor,
    load_spec,
    mapping_frame,
    mapping_from_frame,
    set_label,
    step_args,
    step_text,
    survivorship_editor,
)
from components.table_view import cell_text, run_and_select, show_table
from studio import StudioError
from studio.consolidate import OPS, FuzzyConfig, chaining_warning, comparison_budget
from studio.datasets import PairLabel, Recipe, suggest_mapping

SCORED, BUILT = "rc_scored", "rc_built"  # places of the score and build outcomes, under their buttons
current = page_header(
    "Consolidate",
    "Align sources → normalize → custom SQL → deduplicate → build a versioned dataset. Every step previews a sample; the recipe is saved as data and runs as a job.",
    places=(SCORED, BUILT),
)
store = current.datasets
reviews = current.reviews
state = st.session_state

tables = {t.name: t for t in [*current.sources.list(), *store.list()]}
if not tables:
    st.info("No sources yet. Add some on the Sources page, or load the demo data from the Overview page.")
    st.stop()


def lake_signature() -> str:
    """Changes whenever any table gets a new version, so cached previews follow the data."""
    return json.dumps(sorted((name, str(path)) for name, path in current.tables.lake_tables().items()))


@st.cache_data(max_entries=64, show_spinner="Sampling in DuckDB…")
def stage_preview(spec_json: str, stage: str, signature: str) -> tuple[pd.DataFrame, int]:
    with store.pipeline(Recipe.from_json(json.loads(spec_json))) as pipeline:
        return pipeline.preview(stage), pipeline.count(stage)


@st.cache_data(max_entries=64, show_spinner=False)
def before_after(spec_json: str, column: str, signature: str) -> pd.DataFrame:
    with store.pipeline(Recipe.from_json(json.loads(spec_json))) as pipeline:
        return pipeline.before_after(column)


@st.cache_data(max_entries=32, show_spinner="Counting duplicates…")
def exact_summary(spec_json: str, signature: str) -> dict[str, Any]:
    with store.pipeline(Recipe.from_json(json.loads(spec_json))) as pipeline:
        return pipeline.exact_summary()


@st.cache_data(max_entries=16, show_spinner="Looking at the data to suggest settings…")
def suggested(spec_json: str, signature: str) -> dict[str, Any]:
    return reviews.suggested_config(Recipe.from_json(json.loads(spec_json))).to_json()


@st.cache_data(max_entries=32, show_spinner="Counting comparisons…")
def estimates(spec_json: str, config_json: str, signature: str) -> list[dict[str, Any]]:
    return reviews.comparison_estimates(Recipe.from_json(json.loads(spec_json)), FuzzyConfig.from_json(json.loads(config_json)))


def show_preview(spec: dict[str, Any], stage: str) -> None:
    try:
        frame, rows = stage_preview(json.dumps(spec, sort_keys=True), stage, lake_signature())
    except StudioError as exc:
        st.error(exc.message, icon=":material/error:")
        return
    st.caption(f"{rows:,} rows; a repeatable sample of {len(frame):,}.")
    show_table(frame, hide_index=True, width="stretch", height=240)


def base_spec(upto: str) -> dict[str, Any]:
    """The recipe so far, up to and including section ``upto``."""
    spec: dict[str, Any] = {"name": state.get("rc_name") or "draft", "output": state.get("rc_output") or "draft", "inputs": state["rc_spec_inputs"], "schema": state["rc_spec_schema"]}
    if state.get("rc_combine") == "join":
        spec["combine"] = {"how": "join", "on": state.get("rc_join_on", []), "join": state.get("rc_join_how", "left")}
    if upto in ("normalize", "sql", "dedupe"):
        spec["normalize"] = [{"column": c, "steps": s} for c, s in state.get("rc_rules", {}).items() if s]
    if upto in ("sql", "dedupe") and state.get("rc_sql", "").strip():
        spec["sql"] = state["rc_sql"]
    chosen_id = state.get("rc_id", "(row number)")
    if chosen_id and chosen_id != "(row number)":
        spec["id"] = chosen_id
    return spec


def review_pairs(review: Any, threshold: float, labels: list[dict[str, Any]], pair_labels: list[PairLabel]) -> None:
    """The pairs nearest the threshold, side by side, to confirm or reject; labels go into the
    recipe (confirmed pairs are always linked, rejected never directly, and with enough of
    both they choose the threshold)."""
    st.markdown("**Review pairs near the threshold**")
    same = sum(1 for l in labels if l["match"])
    st.caption(f"{len(labels)} labelled: {same} same entity, {len(labels) - same} different.")
    suggested_threshold = reviews.suggested_threshold(review, pair_labels) if labels else None
    if suggested_threshold is not None:
        st.button(
            f"Use the threshold that best separates your labels: {suggested_threshold:.3f}",
            on_click=lambda: state.update(rc_threshold=round(min(max(suggested_threshold, 0.5), 0.999), 3)),
        )
    labelled = {frozenset((tuple(l["left"]), tuple(l["right"]))): l["match"] for l in labels}
    pairs = reviews.pairs_for_review(review, threshold, limit=40)
    rows = {((str(row.source_l), str(row.id_l)), (str(row.source_r), str(row.id_r))): row for _, row in pairs.iterrows()}
    # The cards stay put until all of them are labelled: a card that vanished on its label
    # would move the next one under a quick second click.
    window = [key for key in state.get("rc_review_window", []) if key in rows]
    if not window or all(frozenset(key) in labelled for key in window):
        window = [key for key in rows if frozenset(key) not in labelled][:3]
        state["rc_review_window"] = window
    if not window:
        st.caption("No unlabelled pairs near the threshold.")
        return
    level_names = {c["column"]: {lv["gamma"]: lv["label"] for lv in c.get("levels", [])} for c in review.summary["parameters"].get("comparisons", [])}
    for left_key, right_key in window:
        row = rows[(left_key, right_key)]
        verdict = labelled.get(frozenset((left_key, right_key)))
        with st.container(border=True):
            done = "" if verdict is None else f" · labelled: {'same entity' if verdict else 'different'}"
            st.caption(f"match probability {row.match_probability:.3f} · weight {row.match_weight:.1f}{done}")
            table = pd.DataFrame(
                {
                    "field": ["source", "id", *review.compared],
                    "record A": [row.source_l, row.id_l, *[row[c + "_l"] for c in review.compared]],
                    "record B": [row.source_r, row.id_r, *[row[c + "_r"] for c in review.compared]],
                    "agreement": ["", "", *[level_names.get(c, {}).get(int(row["gamma_" + c]), str(int(row["gamma_" + c]))) for c in review.compared]],
                }
            ).map(cell_text)
            st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
            # Callbacks run before the next script run, so the label shows in one run (no
            # st.rerun() gap in which a second click could land on a stale button).
            choices = (("Same entity", "yes", ":material/check:", True), ("Different", "no", ":material/close:", False))
            for column, (label, key, icon, match) in zip(st.columns(2), choices):
                column.button(
                    label,
                    key=f"rc_{key}_{left_key}_{right_key}",
                    icon=icon,
                    width="stretch",
                    on_click=set_label,
                    args=(labels, left_key, right_key, match),
                )
    if labels:
        st.button("Clear labels", on_click=labels.clear)


@st.dialog("Delete recipe")
def confirm_recipe_delete(name: str) -> None:
    st.write(f"Delete the saved recipe **{name}**? The datasets it built stay; they cannot be rebuilt from it any more.")
    left, right = st.columns(2)
    # In a callback: the picker's selection can be cleared before it is drawn, and an error
    # (the recipe deleted meanwhile elsewhere) is kept to show as one line.
    if left.button("Delete", key="rc_delete_confirm", type="primary", icon=":material/delete:", on_click=run_and_select, args=(lambda: store.delete_recipe(name), "rc_start", None)):
        st.rerun()
    if right.button("Keep it", key="rc_delete_keep"):
        st.rerun()


# ------------------------------------------------------------------ start

recipes = store.recipes()
with st.container(border=True):
    left, right, far = st.columns([6, 1, 1], vertical_alignment="bottom")
    names = [r["name"] for r in recipes]
    chosen = left.selectbox("Start from a saved recipe", ["(new recipe)", *names], key="rc_start")
    if far.button("Delete", key="rc_delete", disabled=chosen == "(new recipe)", width="stretch", icon=":material/delete:"):
        confirm_recipe_delete(chosen)
    if right.button("Load", key="rc_load", disabled=chosen == "(new recipe)", width="stretch"):
        with user_errors():
            saved = Recipe.from_json(next(r["spec"] for r in recipes if r["name"] == chosen))
            missing = store.missing_inputs(saved)
            if missing:
                raise StudioError(f"recipe {chosen} reads {missing[0]!r}, which is gone; add it again or edit the recipe file")
            spec = saved.to_json()
            if spec["schema"] and all(i["columns"] for i in spec["inputs"]):
                frame = mapping_frame(spec)
            else:
                frame = mapping_frame(suggest_mapping([(i["table"], tables[i["table"]].columns) for i in spec["inputs"]]))
            load_spec(spec, frame)
            st.rerun()

# ------------------------------------------------------------------ 1. inputs and schema

st.subheader("1 · Inputs and schema")
inputs = st.multiselect("Tables to consolidate (sources or datasets)", list(tables), key="rc_inputs", placeholder="Pick one or more")
if not inputs:
    st.info("Pick the tables to consolidate. Several tables are aligned onto one schema: the studio suggests which columns match by name and type.")
    st.stop()
if state.get("rc_mapping_for") != tuple(inputs):
    state["rc_mapping_base"] = mapping_frame(suggest_mapping([(name, tables[name].columns) for name in inputs]))
    state["rc_mapping_for"] = tuple(inputs)
    state["rc_editor_generation"] = state.get("rc_editor_generation", 0) + 1
combine = st.radio("Combine them by", ["union", "join"], horizontal=True, key="rc_combine", format_func={"union": "stacking rows (union, with a source column)", "join": "joining on key columns"}.get, disabled=len(inputs) < 2)
column_config = {
    "target": st.column_config.TextColumn("target column", required=True),
    "type": st.column_config.SelectboxColumn("cast to", options=["", "VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "DECIMAL(18,2)", "DATE", "TIMESTAMP", "BOOLEAN"]),
}
for name in inputs:
    column_config[f"from {name}"] = st.column_config.SelectboxColumn(f"from {name}", options=[c["name"] for c in tables[name].columns])
st.caption("Each row is one column of the result; pick which column of each table fills it (empty: missing in that table). Suggested by name and type similarity; edit freely.")
# Tall enough for every target column (up to 20) and the row that adds one: the default
# height shows ten rows and cut the eleventh in half.
edited = st.data_editor(
    state["rc_mapping_base"], key=f"rc_mapping_editor_{state['rc_editor_generation']}", column_config=column_config, hide_index=True,
    num_rows="dynamic", width="stretch", height=35 * (min(len(state["rc_mapping_base"]), 20) + 2) + 3,
)
state["rc_spec_schema"], state["rc_spec_inputs"] = mapping_from_frame(edited, inputs)
targets = [c["name"] for c in state["rc_spec_schema"]]
if combine == "join" and len(inputs) > 1:
    left, right = st.columns(2)
    left.multiselect("Join on", targets, key="rc_join_on")
    right.selectbox("Keep", ["left", "inner", "full"], key="rc_join_how", format_func={"left": "every row of the first table", "inner": "matching rows only", "full": "every row of every table"}.get)
with st.expander("Preview the aligned rows", expanded=True):
    show_preview(base_spec("align"), "align")

# ------------------------------------------------------------------ 2. normalize

st.subheader("2 · Normalize")
rules: dict[str, list[dict[str, Any]]] = state.setdefault("rc_rules", {})
left, right = st.columns([1, 2])
with left:
    if state.get("rc_norm_column") not in targets:
        state["rc_norm_column"] = next((c for c in targets if rules.get(c)), targets[0] if targets else None)
    column = st.selectbox("Column", targets, key="rc_norm_column")
    op = st.selectbox("Add a step", list(OPS), format_func=lambda op: OPS[op].label, key="rc_norm_op")
    args = step_args(op, f"rc_args_{op}", targets)
    if st.button("Add step", key="rc_add_step", disabled=args is None, icon=":material/add:"):
        rules.setdefault(column, []).append({"op": op, **(args or {})})
        st.rerun()
with right:
    steps = rules.get(column, [])
    if not steps:
        st.caption(f"No rules for {column} yet.")
    for index, step in enumerate(steps):
        text, remove = st.columns([5, 1])
        text.markdown(f"{index + 1} · {step_text(step)}")
        if remove.button("Remove", key=f"rc_remove_{column}_{index}"):
            steps.pop(index)
            st.rerun()
    if steps:
        try:
            changes = before_after(json.dumps(base_spec("normalize"), sort_keys=True), column, lake_signature())
        except StudioError as exc:
            st.error(exc.message, icon=":material/error:")
        else:
            st.caption("Values the rules change (before → after)" if len(changes) else "The rules change no value of this column.")
            if len(changes):
                show_table(changes, hide_index=True, width="stretch", height=220)
ruled = {c: s for c, s in rules.items() if s}
if ruled:
    st.caption("Rules: " + "; ".join(f"**{c}**: " + ", ".join(OPS[s["op"]].label.lower() for s in steps) for c, steps in ruled.items()))

# ------------------------------------------------------------------ 3. custom SQL

st.subheader("3 · Custom SQL (optional)")
st.text_area(
    "One SELECT over `input` (the normalized rows, with `_row_id` and `source`); sources and datasets are visible by name. "
    "It runs sandboxed: no files, no network, no settings, with a time and memory limit.",
    key="rc_sql", placeholder="SELECT * FROM input WHERE …", height=90,
)
if state.get("rc_sql", "").strip():
    with st.expander("Preview after the SQL step", expanded=True):
        show_preview(base_spec("sql"), "sql")

# ------------------------------------------------------------------ 4. deduplicate

st.subheader("4 · Deduplicate")
after_sql = targets + (["source"] if combine == "union" else [])
id_options = ["(row number)", *targets]
if state.get("rc_id") not in id_options:
    state["rc_id"] = "(row number)"
st.selectbox("Id column (names each input row in the members table)", id_options, key="rc_id")
method = st.radio("Method", ["none", "exact", "fuzzy"], horizontal=True, key="rc_method", format_func={"none": "none", "exact": "exact keys", "fuzzy": "fuzzy matching (Splink)"}.get)
dedupe: dict[str, Any] | None = None
if method == "exact":
    keys = st.multiselect("Rows with equal values in these columns are duplicates", targets, key="rc_keys")
    survivorship = survivorship_editor(after_sql, inputs)
    dedupe = {"method": "exact", "keys": keys, "survivorship": survivorship} if keys else None
    if not keys:
        st.info("Pick the key columns.")
    else:
        try:
            summary = exact_summary(json.dumps({**base_spec("dedupe"), "dedupe": dedupe}, sort_keys=True), lake_signature())
        except StudioError as exc:
            st.error(exc.message, icon=":material/error:")
        else:
            cols = st.columns(3)
            cols[0].metric("Rows", f"{summary['rows']:,}")
            cols[1].metric("Clusters (rows kept)", f"{summary['clusters']:,}")
            cols[2].metric("Duplicates removed", f"{summary['removed']:,}")
            if summary["removed_by"]:
                st.caption("Which rule removed them (each removed row counts under the first rule on which it lost to its cluster's survivor): "
                           + ", ".join(f"{rule.replace('_', ' ')} {rows:,}" for rule, rows in summary["removed_by"].items()))
elif method == "fuzzy":
    spec_so_far = base_spec("dedupe")
    spec_json = json.dumps(spec_so_far, sort_keys=True)
    with user_errors():
        if state.get("rc_fuzzy_config") is None or st.button("Suggest settings again", icon=":material/auto_fix_high:"):
            state["rc_fuzzy_config"] = suggested(spec_json, lake_signature())
            for key in ("rc_comparisons_editor", "rc_blocking_text", "rc_cap"):
                state.pop(key, None)
        config = fuzzy_config_editor(state["rc_fuzzy_config"], after_sql)
        survivorship = survivorship_editor(after_sql, inputs)
        labels = state.setdefault("rc_labels", [])
        dedupe = {"method": "fuzzy", "config": config, "threshold": state.get("rc_threshold", 0.9), "labels": labels, "survivorship": survivorship}
        try:
            counted = estimates(spec_json, json.dumps(config, sort_keys=True), lake_signature())
        except StudioError as exc:
            st.error(exc.message, icon=":material/error:")
            counted = []
        budget = comparison_budget(counted, FuzzyConfig.from_json(config))
        if counted:
            st.dataframe(pd.DataFrame(counted), hide_index=True, column_config={"comparisons": count_column("comparisons")})
            (st.error if budget.over else st.caption)(budget.message)
        recipe_for_review = Recipe.from_json({**spec_so_far, "dedupe": {"method": "fuzzy", "config": config}})
        review = reviews.get(recipe_for_review)
        st.button(
            "Train and score pairs" if review is None else "Train and score again", key="rc_score", type="primary" if review is None else "secondary",
            disabled=budget.over, icon=":material/model_training:", on_click=ask, args=("rc_score_asked",),
        )
        if asked("rc_score_asked") and not budget.over:
            track(reviews.submit_score(recipe_for_review), SCORED)
        outcome(current, SCORED)
        if review is None:
            st.info("Train the model (u by sampling, m by EM) and score the candidate pairs: then pick the threshold on the histogram and review pairs.")
        else:
            histogram = review.summary["weight_histogram"]
            state.setdefault("rc_threshold", float(config["threshold"]))
            threshold = st.slider("Match probability threshold", 0.50, 0.999, key="rc_threshold", step=0.005, format="%.3f")
            st.plotly_chart(match_weight_figure(histogram, probability_to_weight(threshold)), width="stretch")
            pair_labels = [PairLabel(tuple(l["left"]), tuple(l["right"]), bool(l["match"])) for l in labels]
            numbers = reviews.threshold_stats(review, threshold, pair_labels)
            cols = st.columns(4)
            cols[0].metric("Rows", f"{numbers['rows']:,}")
            cols[1].metric("Pairs linked", f"{numbers['linked_pairs']:,}", help=f"of {review.summary['pairs']:,} scored")
            cols[2].metric("Clusters", f"{numbers['clusters']:,}")
            cols[3].metric("Largest cluster", numbers["largest_cluster"])
            fixed = review.summary["parameters"].get("training", {}).get("fixed_probabilities")
            for warning in (fixed, chaining_warning(numbers["largest_cluster"], numbers["rows"])):
                if warning:
                    st.warning(warning, icon=":material/warning:")
            review_pairs(review, threshold, labels, pair_labels)
    if dedupe is not None:
        dedupe["config"]["threshold"] = state.get("rc_threshold", 0.9)

# ------------------------------------------------------------------ 5. build

st.subheader("5 · Build the dataset")
left, right = st.columns(2)
left.text_input("Recipe name", key="rc_name", placeholder="e.g. customers")
right.text_input("Dataset name", key="rc_output", placeholder="e.g. customers_golden", help="With deduplication, the members table is NAME_members.")
spec = base_spec("dedupe")
if dedupe is not None:
    spec["dedupe"] = dedupe
recipe = None
if state.get("rc_name") and state.get("rc_output"):
    try:
        recipe = Recipe.from_json(spec)
    except StudioError as exc:
        st.error(exc.message, icon=":material/error:")
else:
    st.info("Name the recipe and the dataset it builds.")
save, build = st.columns(2)
save.button("Save recipe", key="rc_save", disabled=recipe is None, icon=":material/save:", width="stretch", on_click=ask, args=("rc_save_asked",))
build.button("Build dataset", key="rc_build", type="primary", disabled=recipe is None, icon=":material/play_arrow:", width="stretch", on_click=ask, args=("rc_build_asked",))
# Acted on here, with the recipe as the widgets hold it now; shown here, where the user clicked.
if asked("rc_save_asked") and recipe is not None:
    with user_errors():
        store.save_recipe(recipe)
        st.success(f"Saved recipe {recipe.name}.", icon=":material/check_circle:")
if asked("rc_build_asked") and recipe is not None:
    with user_errors():
        track(store.submit_build(recipe), BUILT)
outcome(current, BUILT)
if recipe is not None:
    with st.expander("The recipe as JSON (runs with `studio consolidate run FILE`)"):
        st.code(json.dumps(recipe.to_json(), indent=2), language="json")
if state.get("rc_name") and store.built_by(state["rc_name"]):
    st.page_link("pages/data/datasets.py", label="See the datasets this recipe built", icon=":material/table_view:")
