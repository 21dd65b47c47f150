"""Features: design a feature recipe for a table version and a target, see every treatment on
a sample, add expressions and entity aggregates, prove the features (a job), save the recipe
as a version and diff versions."""

import streamlit as st

from components import feature_designer as fd
from components import feature_proof as fp
from components.layout import outcome, page_header

current = page_header(
    "Features",
    "Pick a table and a target → tune each column's treatment on a sample → add expressions and entity aggregates → "
    "prove every feature → save the recipe as a version. Training uses it unchanged, and so will serving.",
    places=("fd_edit", "fd_expressions", "fd_aggregates", fp.PROVING, fp.SAVING),
)
tables = fd.design_tables(current)
if not tables:
    st.info("No datasets or sources yet. Add a source on the Sources page, or load the demo data from the Overview page.")
    st.stop()
design = fd.pick_design(current, tables)
if design is None:
    st.stop()
fp.take_finished_proof(current)
frame = fd.sample(current, design)
outcome(current, "fd_edit")

columns_tab, expressions_tab, aggregates_tab, proof_tab, recipe_tab, versions_tab = st.tabs(
    ["Columns", "Expressions", "Aggregates", "Proof", "Recipe & save", "Versions"], key="fd_tabs"
)
with columns_tab:
    overview = st.container()  # filled after the editor, so it shows the edit just made
    fd.column_editor(current, design, frame)
    with overview:
        st.dataframe(fd.columns_overview(design), hide_index=True, width="stretch", key=design.key("overview"))
with expressions_tab:
    outcome(current, "fd_expressions")
    fd.expression_box(current, design, frame)
with aggregates_tab:
    outcome(current, "fd_aggregates")
    fd.aggregate_form(current, design, tables)
with proof_tab:
    fp.proof_section(current, design)
with recipe_tab:
    fp.recipe_section(current, design)
with versions_tab:
    fp.versions_section(current)
