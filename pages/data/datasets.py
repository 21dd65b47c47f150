"""Datasets: versions built by recipes, their lineage, diffs between versions, export."""

import pandas as pd
import streamlit as st

from components.dataset_charts import lineage_dot
from components.jobs_view import track
from components import table_view
from components.layout import ago, count_column, keep_error, page_header
from components.table_view import show_table, table_detail
from studio import StudioError
from studio.datasets import Recipe
from studio.tables import TableVersion

current = page_header("Datasets", places=table_view.PLACES)
store = current.datasets


def rebuild(name: str) -> None:
    """Rebuild button callback: the newest version's recipe, read when the click arrives."""
    try:
        track(store.submit_build(Recipe.from_json(store.get(name).origin["spec"])))
    except StudioError as exc:
        keep_error(exc.message)


def lineage_tab(table: TableVersion, versions: list[TableVersion]) -> None:
    graph = store.lineage(table.name, table.version)
    if len(graph["nodes"]) == 1:
        st.info("This version has no recorded inputs.")
        return
    st.graphviz_chart(lineage_dot(graph), width="stretch")
    origin = table.origin
    if origin.get("kind") == "recipe":
        stats = origin.get("stats", {})
        via_sql = [i["table"] for i in origin.get("inputs", []) if i.get("via") == "sql"]
        if via_sql:
            st.caption(f"Read by the recipe's SQL step: {', '.join(via_sql)}.")
        cols = st.columns(4)
        cols[0].metric("Rows in", f"{stats.get('rows_in', 0):,}")
        cols[1].metric("Rows out", f"{table.rows:,}" if origin.get("role") != "members" else f"{stats.get('clusters', 0):,}")
        if "clusters" in stats:
            cols[2].metric("Duplicates removed", f"{stats.get('duplicates_removed', 0):,}")
            cols[3].metric("Largest cluster", f"{stats.get('largest_cluster', 1):,}")
        with st.expander("Recipe (JSON, runs with `studio consolidate run FILE`)"):
            st.json(origin.get("spec", {}), expanded=True)


def diff_tab(table: TableVersion, versions: list[TableVersion]) -> None:
    if len(versions) < 2:
        st.info("Only one version so far: a diff needs two. Rebuild the recipe after its inputs change.")
        return
    numbers = [v.version for v in versions]
    left, right, key_column = st.columns(3)
    new = left.selectbox("Newer version", numbers, index=0, key=f"diff_new_{table.name}", format_func=lambda n: f"v{n}")
    old = right.selectbox("Older version", [n for n in numbers if n != new], key=f"diff_old_{table.name}", format_func=lambda n: f"v{n}")
    before, after = store.get(table.name, old), store.get(table.name, new)
    common = sorted({c["name"] for c in before.columns} & {c["name"] for c in after.columns})
    key = key_column.multiselect(
        "Match rows on", common, default=store.default_diff_key(before, after), key=f"diff_key_{table.name}_{old}_{new}",
        help="Columns that identify a row in both versions; empty compares whole rows.",
    )
    diff = store.diff(table.name, old, new, key)
    cols = st.columns(4)
    cols[0].metric("Rows added", f"{diff.rows_added:,}")
    cols[1].metric("Rows removed", f"{diff.rows_removed:,}")
    cols[2].metric("Rows changed", f"{diff.rows_changed:,}" if diff.key else "–", help=None if diff.key else "Pick key columns to see changed rows.")
    cols[3].metric("Rows unchanged", f"{diff.rows_unchanged:,}")
    if diff.added_columns or diff.removed_columns or diff.retyped_columns:
        st.warning(
            "Schema changed: "
            + "; ".join(
                filter(None, [
                    f"added {', '.join(diff.added_columns)}" if diff.added_columns else "",
                    f"removed {', '.join(diff.removed_columns)}" if diff.removed_columns else "",
                    ", ".join(f"{c['column']} {c['old']} → {c['new']}" for c in diff.retyped_columns),
                ])
            ),
            icon=":material/schema:",
        )
    else:
        st.caption("Same columns and types in both versions.")
    changed = {c: n for c, n in diff.changed_by_column.items() if n}
    if changed:
        st.dataframe(pd.DataFrame({"column": list(changed), "rows changed": list(changed.values())}), hide_index=True)
    for kind, rows in diff.samples.items():
        if rows:
            st.caption(f"Some {kind} rows")
            show_table(pd.DataFrame(rows), hide_index=True, width="stretch")


datasets = store.list()
if not datasets:
    st.info("No datasets yet. Build one on the Consolidate page (or with `studio dedupe` / `studio consolidate run`).")
    st.page_link("pages/data/consolidate.py", label="Go to Consolidate", icon=":material/merge:")
else:
    names = [d.name for d in datasets]
    if st.session_state.get("selected_dataset") not in names:
        st.session_state["selected_dataset"] = names[0]
    listing = pd.DataFrame(
        [{"dataset": d.name, "version": d.version, "rows": d.rows, "columns": len(d.columns), "built by": d.origin_text(), "updated": ago(d.created_at)} for d in datasets]
    )
    st.dataframe(listing, hide_index=True, width="stretch", column_config={"rows": count_column("rows")})
    selected = st.selectbox("Dataset", names, key="selected_dataset")
    newest = store.get(selected)
    stale = store.stale_inputs(newest)
    if stale:
        left, right = st.columns([4, 1])
        left.warning(
            "Inputs changed since this version was built: "
            + ", ".join(f"{s['table']} v{s['newest']} (built from v{s['built_from']})" for s in stale),
            icon=":material/update:",
        )
        right.button("Rebuild", key=f"rebuild_{selected}", icon=":material/refresh:", width="stretch", on_click=rebuild, args=(selected,))
    table_detail(current, store, selected, "selected_dataset", {"Lineage": lineage_tab, "Diff": diff_tab})
