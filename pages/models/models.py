"""Models: every model with its production and staging versions; a version's report, tests,
card and lineage; two versions compared; promotion behind the test suite (a written reason
overrides a failure), rollback and archive behind confirmations; the audit log."""

import streamlit as st

from components import models_view as mv
from components.layout import page_header

current = page_header(
    "Models",
    "Every trained model and its versions. A version reaches production only through its tests (or a written reason that "
    "overrides them); every promotion, rollback and archive goes into the audit log.",
    places=mv.PLACES,
)
models = mv.models_frame(current)
if models.empty:
    st.info("No models yet. Train one on the Train page (or with `studio train TABLE --target COL`).")
    st.stop()
st.dataframe(models, hide_index=True, width="stretch", key="md_models")
name = st.selectbox("Model", models["model"].tolist(), key="md_model")
st.subheader(name)
version = mv.pick_version(current, name)
numbers = [kept.model.version for kept in current.registry.versions(name)]
blocked = mv.blocked_notice(current, name, version.model.version)
mv.actions(current, version, blocked)
report_tab, tests_tab, card_tab, lineage_tab, compare_tab = st.tabs(["Report", "Tests", "Card", "Lineage", "Compare"], key="md_tabs")
with report_tab:
    mv.report_tab(current, version)
with tests_tab:
    mv.tests_tab(current, version)
with card_tab:
    mv.card_tab(current, version)
with lineage_tab:
    mv.lineage_tab(current, version)
with compare_tab:
    mv.compare_tab(current, version, numbers)
st.subheader("Audit log")
st.dataframe(mv.audit_frame(current, name), hide_index=True, width="stretch", key="md_audit")
