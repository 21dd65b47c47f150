"""The feature designer's proof, save and versions: *Prove features* as a job with its cards
and ranked overview, the compiled recipe, saving it as a version, and a diff of two
versions. Callbacks replace what they name, so a click that lands twice changes nothing more."""

import json
from typing import Any

import streamlit as st

from components.feature_charts import VERDICT_COLORS, VERDICT_ICONS, card_facts, proof_overview_figure, verdict_counts
from components.feature_designer import LOADED, PROOF, PROVED, SPEC, GEN, Design, replace_spec
from components.jobs_view import ended, track
from components.layout import keep_error, outcome
from studio import StudioError, Workspace
from studio.features import FeatureRecipe, diff_lines, with_proof_rejects
from studio.features._designer import same_but_rejected, with_rejected
from studio.jobs import SUCCEEDED

PROVING, SAVING = "fd_proving", "fd_saving"  # places of the proof's and the save's outcomes
JOB, JOB_SPEC = "fd_job", "fd_job_spec"
SAVED = "fd_saved"
CARDS_PER_ROW = 3
state = st.session_state


def _prove(current: Workspace, design: Design) -> None:
    """Prove button callback: the recipe as it is now, proved as a job."""
    try:
        job_id = current.features.submit_prove(design.table.name, design.target, design.table.version, state[SPEC])
    except StudioError as exc:
        keep_error(exc.message, PROVING)
        return
    track(job_id, PROVING)
    state[JOB], state[JOB_SPEC] = job_id, state[SPEC]


def take_finished_proof(current: Workspace) -> None:
    """When the proof job has ended well: keep its proof and leave the features it rejected
    out of the recipe (they stay a click away)."""
    if state.get(JOB) not in ended(current, PROVING):
        return
    job = current.jobs.get(state.pop(JOB))
    if job.status != SUCCEEDED:
        return
    proved = state.pop(JOB_SPEC)
    state[PROOF], state[PROVED] = job.result, proved
    if same_but_rejected(proved, state[SPEC]):
        replace_spec(with_proof_rejects(FeatureRecipe.from_json(state[SPEC]), job.result).to_json())


def _set_rejected(name: str, rejected: bool) -> None:
    state[SPEC] = with_rejected(state[SPEC], name, rejected)
    state[GEN] = state.get(GEN, 0) + 1  # the column's "Use" toggle follows


def feature_card(feature: dict[str, Any], metric: str, rejected: bool) -> None:
    """One feature's card: its verdict and reasons, strength, stability, missingness,
    redundancy; a button to leave it out or bring it back."""
    verdict = feature["verdict"]
    with st.container(border=True, key=f"fd_card_{feature['name']}"):
        color = {"accept": "green", "warn": "orange", "reject": "red"}[verdict]
        st.markdown(f"**{feature['name']}** :{color}-badge[{VERDICT_ICONS[verdict]} {verdict}]  \n:gray[{feature['source']}, {feature['kind']}]")
        st.markdown("  \n".join(f"{label}: **{value}**" for label, value, _help in card_facts(feature, metric)))
        for reason in feature["reasons"]:
            st.markdown(f":{'red' if verdict == 'reject' else 'orange'}[{reason}]")
        st.button(
            "Bring back" if rejected else "Leave out", key=f"fd_card_button_{feature['name']}",
            icon=":material/undo:" if rejected else ":material/remove_circle:", on_click=_set_rejected, args=(feature["name"], not rejected),
        )  # fmt: skip


def proof_section(current: Workspace, design: Design) -> None:
    """Prove button, the job's progress, then the overview chart and one card per feature."""
    st.caption("A job, on a sample of the table: mutual information with the target, a one-feature model's score, missingness, stability over "
               "time, redundancy and leak checks, then a verdict per feature. Rejected features are left out of the recipe.")  # fmt: skip
    st.button("Prove features", key="fd_prove", type="primary", icon=":material/verified:", on_click=_prove, args=(current, design))
    outcome(current, PROVING)
    proof = state.get(PROOF)
    if not proof:
        st.caption("No proof yet for this recipe.")
        return
    if not same_but_rejected(state[PROVED], state[SPEC]):
        st.warning("The recipe changed since this proof (a treatment, an expression, an aggregate): prove it again.", icon=":material/history:")
    counts = verdict_counts(proof)
    st.markdown(
        f"Proved on **{proof['sample_rows']:,}** of {proof['rows']:,} rows of {proof.get('table', '')} v{proof.get('version', '')} "
        f"({proof['task']}, {proof['metric']}; split: {proof['split']['method']}) — "
        + ", ".join(f":{c}[{counts[v]} {v}]" for v, c in zip(VERDICT_COLORS, ("green", "orange", "red")))
    )
    st.plotly_chart(proof_overview_figure(proof), width="stretch", key="fd_overview")
    rejected = set(FeatureRecipe.from_json(state[SPEC]).rejected)
    features = proof["features"]
    for start in range(0, len(features), CARDS_PER_ROW):
        for column, feature in zip(st.columns(CARDS_PER_ROW), features[start : start + CARDS_PER_ROW]):
            with column:
                feature_card(feature, proof["metric"], feature["name"] in rejected)


def _save(current: Workspace, design: Design) -> None:
    """Save button callback: the recipe as the next version of the name given, with the proof
    when it proved this recipe."""
    name = state.get("fd_save_name", "").strip()
    proof = state.get(PROOF) if state.get(PROVED) and same_but_rejected(state[PROVED], state[SPEC]) else None
    try:
        saved = current.features.save(name, state[SPEC], design.table.name, design.table.version, proof)
    except StudioError as exc:
        keep_error(exc.message, SAVING)
        return
    state[SAVED] = {**saved.to_json(), "with_proof": proof is not None}
    state[LOADED] = saved.recipe.name


def recipe_section(current: Workspace, design: Design) -> None:
    """The compiled recipe as JSON, and saving it as a new version."""
    spec = state[SPEC]
    st.code(json.dumps(spec, indent=2), language="json", height=420)
    st.download_button("Download recipe.json", json.dumps(spec, indent=2), file_name="recipe.json", mime="application/json", icon=":material/download:")
    if "fd_save_name" not in state:
        state["fd_save_name"] = state.get(LOADED) or f"{design.target}_features"
    name, button = st.columns([3, 1], vertical_alignment="bottom")
    name.text_input("Recipe name", key="fd_save_name", help="Saving under an existing name makes its next version.")
    button.button("Save as a new version", key="fd_save", type="primary", icon=":material/save:", on_click=_save, args=(current, design), width="stretch")
    outcome(current, SAVING)
    saved = state.pop(SAVED, None)
    if saved:
        proved = "with its proof" if saved["with_proof"] else "without a proof (prove it to save one)"
        text = f"{saved['name']} v{saved['version']}: unchanged (the newest version is this recipe)" if saved["unchanged"] else f"Saved {saved['name']} v{saved['version']} {proved}."
        st.success(text, icon=":material/check_circle:")


def versions_section(current: Workspace) -> None:
    """Pick a saved recipe and two of its versions: what changed."""
    recipes = [r.name for r in current.features.list()]
    if not recipes:
        st.caption("No saved recipes yet.")
        return
    first, second, third = st.columns([2, 1, 1])
    name = first.selectbox("Saved recipe", recipes, key="fd_diff_name")
    numbers = [v.version for v in current.features.versions(name)]
    if len(numbers) < 2:
        st.caption(f"{name} has one version so far: a diff needs two.")
        return
    new = second.selectbox("Newer", numbers, key=f"fd_diff_new_{name}", format_func=lambda n: f"v{n}")
    old = third.selectbox("Older", [n for n in numbers if n != new], key=f"fd_diff_old_{name}_{new}", format_func=lambda n: f"v{n}")
    found = current.features.diff(name, old, new)
    st.code("\n".join(diff_lines(found)), language=None, wrap_lines=True)
    with st.expander("The diff as data"):
        st.json(found, expanded=2)
