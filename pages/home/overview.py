"""Overview: the workspace at a glance and what to do next."""

import pandas as pd
import streamlit as st

from components.jobs_view import track
from components.layout import ago, count_column, human_bytes, keep_error, page_header
from studio import StudioError


def load_demo() -> None:
    """Demo button callback (a click is acted on before the page is drawn again)."""
    try:
        track(current.jobs.submit("demo.build", {}, title="Build the demo workspace"))
    except StudioError as exc:
        keep_error(exc.message)


current = page_header("Overview", "Sources → consolidate → dataset → features → train → validate → registry → serving → monitoring")

sources = current.sources.list()
datasets = current.datasets.list()
summary = current.summary()
jobs = current.jobs.list(limit=5)

columns = st.columns(5)
columns[0].metric("Sources", len(sources))
columns[1].metric("Rows across sources", f"{sum(s.rows for s in sources):,}")
columns[2].metric("Datasets", len(datasets))
columns[3].metric("Jobs running", summary["jobs"].get("running", 0) + summary["jobs"].get("queued", 0))
columns[4].metric("Jobs failed", summary["jobs"].get("failed", 0))

st.subheader("What to do next")
if not sources:
    st.info("This workspace is empty. Load the demo data (a food-delivery company's orders, restaurants from two systems and couriers), or add your own file or database table.", icon=":material/lightbulb:")
    left, right = st.columns(2)
    # One build at a time: a second click while it runs would only build it again.
    building = any(j.kind == "demo.build" and j.active for j in jobs)
    left.button("Load the demo data", type="primary", icon=":material/download:", on_click=load_demo, disabled=building, help="The demo is being built." if building else None)
    right.page_link("pages/data/sources.py", label="Add your own source", icon=":material/add:")
else:
    st.markdown(
        "1. **Inspect each source's profile** on the Sources page: types, missing values, distributions, top values.\n"
        "2. **Consolidate** sources on the Consolidate page: align their columns, normalize values and units, remove exact "
        "and fuzzy duplicates (review the pairs Splink is unsure about), and build a versioned dataset. The demo's saved "
        "recipes (load one there) resolve the two restaurant systems and build a training set.\n"
        "3. **See the datasets** on the Datasets page: versions, lineage back to the sources, diffs between versions.\n"
        "4. **Design features and prove them** on the Features page: a treatment per column, expressions and entity "
        "aggregates, then a proof job that ranks every feature and rejects leaks.\n"
        "5. **Train with one click** on the Train page: an Optuna-tuned search as a job, its trials live, its best model "
        "stored as a version. Predict a table or a file with it.\n"
        "6. **Validate and promote** on the Models page: the evaluation report, the ML tests as the gate to production, "
        "the model card, rollback and the audit log.\n"
        "7. **Follow long work on the Jobs page**: ingest, profiling, scoring, builds, proofs and training run in the "
        "background and survive reloads."
    )
    links = st.columns(6)
    links[0].page_link("pages/data/sources.py", label="Sources", icon=":material/database:")
    links[1].page_link("pages/data/consolidate.py", label="Consolidate", icon=":material/merge:")
    links[2].page_link("pages/data/datasets.py", label="Datasets", icon=":material/table_view:")
    links[3].page_link("pages/models/features.py", label="Features", icon=":material/tune:")
    links[4].page_link("pages/models/train.py", label="Train", icon=":material/model_training:")
    links[5].page_link("pages/models/models.py", label="Models", icon=":material/inventory_2:")

    st.subheader("Sources")
    table = pd.DataFrame(
        [
            {
                "source": s.name,
                "version": s.version,
                "rows": s.rows,
                "columns": len(s.columns),
                "size": human_bytes(s.bytes),
                "from": s.origin.get("file") or s.origin.get("url"),
                "updated": ago(s.created_at),
            }
            for s in sources
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config={"rows": count_column("rows")})
    if datasets:
        st.subheader("Datasets")
        st.dataframe(
            pd.DataFrame(
                [{"dataset": d.name, "version": d.version, "rows": d.rows, "built by": d.origin_text(), "updated": ago(d.created_at)} for d in datasets]
            ),
            hide_index=True,
            width="stretch",
            column_config={"rows": count_column("rows")},
        )

if jobs:
    st.subheader("Recent jobs")
    st.dataframe(
        pd.DataFrame(
            [{"job": j.id, "what": j.title, "status": j.status, "progress": j.progress, "when": ago(j.created_at), "error": j.error or ""} for j in jobs]
        ),
        hide_index=True,
        width="stretch",
        column_config={"progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0, format="percent")},
    )
    st.page_link("pages/operations/jobs.py", label="All jobs", icon=":material/pending_actions:")
