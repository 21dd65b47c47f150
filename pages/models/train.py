"""Train: one click from a table (and a feature recipe) to an Optuna-tuned model, run as a
durable job; every run listed, one followed live, two compared, and a model's predictions
written for a table."""

import streamlit as st

from components import training_view as tv
from components.layout import outcome, page_header

current = page_header(
    "Train",
    "Pick a table and the column to predict → Train. Strong defaults run first, the best score climbs as trials arrive, and the best "
    "model is refit and scored once on rows no trial saw. The run is a job: it goes on if you close the page.",
    places=("train_submit", "train_predict"),
)
tables = tv.train_tables(current)
if not tables:
    st.info("No datasets or sources yet. Add a source on the Sources page, or load the demo data from the Overview page.")
    st.stop()

with st.container(border=True):
    tv.run_form(current, tables)
    outcome(current, "train_submit")

runs = current.runs.list()
if not runs:
    st.stop()
st.subheader("Runs")
st.dataframe(tv.runs_frame(runs), hide_index=True, width="stretch", key="tr_runs")
run = tv.pick_run(runs)
if run is None:
    st.stop()
progress_tab, result_tab, compare_tab = st.tabs(["Progress", "Result & predict", "Compare runs"], key="tr_tabs")
with progress_tab:
    tv.live_run(current, run)
with result_tab:
    result = tv.run_result(current, run)
    if result is None:
        st.caption("The result shows here when the run ends.")
    else:
        tv.predict_panel(current, result, tables, current.runs.get(run).params["table"])
        outcome(current, "train_predict")
with compare_tab:
    tv.compare_runs(runs)
