"""Widgets of the Consolidate page: the recipe draft lives in session_state under ``rc_*``
keys; ``load_spec`` puts a saved recipe back into it."""

from typing import Any

import pandas as pd
import streamlit as st

from studio.consolidate import AGGREGATES, COMPARISON_KINDS, OPS
from studio.consolidate._units import FACTORS, TEMPERATURE_TO_C

UNITS = [unit for units in FACTORS.values() for unit in units] + list(TEMPERATURE_TO_C)
MAPPING_PREFIX = "from "


def mapping_frame(suggestion: dict[str, Any]) -> pd.DataFrame:
    """The mapping editor's table: one row per target column, one column per input."""
    rows = []
    for target in suggestion["schema"]:
        row = {"target": target["name"], "type": target["type"] or ""}
        for item in suggestion["inputs"]:
            row[MAPPING_PREFIX + item["table"]] = item["columns"].get(target["name"]) or None
        rows.append(row)
    return pd.DataFrame(rows)


def mapping_from_frame(frame: pd.DataFrame, inputs: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(schema, inputs) of a recipe from the edited mapping table; blank targets are dropped."""
    frame = frame.dropna(subset=["target"])
    frame = frame[frame["target"].astype(str).str.strip() != ""]
    schema = [{"name": str(row["target"]).strip(), "type": (str(row["type"]).strip() or None) if pd.notna(row["type"]) else None} for _, row in frame.iterrows()]
    specs = []
    for table in inputs:
        column = MAPPING_PREFIX + table
        mapping = {}
        for _, row in frame.iterrows():
            value = row.get(column)
            mapping[str(row["target"]).strip()] = str(value) if value is not None and pd.notna(value) and str(value) else None
        specs.append({"table": table, "columns": mapping})
    return schema, specs


def step_args(op: str, key: str, columns: list[str]) -> dict[str, Any] | None:
    """Widgets for one normalization step's settings; None while they are incomplete."""
    if op in ("trim", "unicode_fold", "strip_punctuation", "collapse_spaces", "email"):
        return {}
    if op == "case":
        return {"to": st.selectbox("To", ["lower", "upper", "title"], key=f"{key}_case")}
    if op == "null_if":
        text = st.text_input("Placeholders (comma-separated)", value="n/a, na, null, none, -", key=f"{key}_nullif")
        values = [v.strip() for v in text.split(",")]
        return {"values": values + [""]} if values else None
    if op == "phone":
        left, right = st.columns(2)
        country = left.text_input("Country code for national numbers", value="1", key=f"{key}_cc")
        digits = right.number_input("Digits of a national number", 4, 15, 10, key=f"{key}_nd")
        return {"country_code": country, "national_digits": int(digits)}
    if op == "parse_date":
        text = st.text_input("Formats to try, in order (strftime)", value="%Y-%m-%d, %d/%m/%Y, %m/%d/%Y", key=f"{key}_formats")
        as_date = st.checkbox("Keep the date only", value=True, key=f"{key}_asdate")
        formats = [f.strip() for f in text.split(",") if f.strip()]
        return {"formats": formats, "as_date": as_date} if formats else None
    if op == "convert_unit":
        left, right = st.columns(2)
        to = left.selectbox("To unit", UNITS, key=f"{key}_to")
        how = right.radio("From", ["one unit", "a unit column"], horizontal=True, key=f"{key}_how")
        if how == "one unit":
            return {"to": to, "from": st.selectbox("From unit", UNITS, key=f"{key}_from")}
        return {"to": to, "unit_column": st.selectbox("Unit column", columns, key=f"{key}_unitcol")}
    if op == "convert_currency":
        to = st.text_input("Target currency", value="USD", key=f"{key}_cur_to")
        rates = st.data_editor(
            pd.DataFrame({"currency": ["USD", "EUR", "GBP"], "value of 1 in target": [1.0, 1.08, 1.27]}),
            num_rows="dynamic", key=f"{key}_rates", hide_index=True,
        )
        how = st.radio("Currency of each amount", ["one currency", "a currency column"], horizontal=True, key=f"{key}_cur_how")
        table = {str(r.iloc[0]).upper(): float(r.iloc[1]) for _, r in rates.dropna().iterrows() if str(r.iloc[0]).strip()}
        if how == "one currency":
            return {"to": to, "rates": table, "from": st.selectbox("From", sorted(table) or ["USD"], key=f"{key}_cur_from")}
        return {"to": to, "rates": table, "currency_column": st.selectbox("Currency column", columns, key=f"{key}_curcol")}
    if op == "map_values":
        pairs = st.data_editor(pd.DataFrame({"from": ["NYC"], "to": ["New York"]}), num_rows="dynamic", key=f"{key}_map", hide_index=True)
        mapping = {str(r["from"]): str(r["to"]) for _, r in pairs.dropna().iterrows() if str(r["from"]).strip()}
        return {"mapping": mapping, "ignore_case": st.checkbox("Ignore case and spaces", value=True, key=f"{key}_ic")} if mapping else None
    if op == "clip":
        left, right = st.columns(2)
        lower = left.text_input("Lower bound (empty: none)", key=f"{key}_lo")
        upper = right.text_input("Upper bound (empty: none)", key=f"{key}_hi")
        try:
            bounds = {k: float(v) for k, v in (("lower", lower), ("upper", upper)) if v.strip()}
        except ValueError:
            st.error("Bounds are numbers.", icon=":material/error:")
            return None
        return bounds or None
    raise ValueError(op)


def step_text(step: dict[str, Any]) -> str:
    """A normalization step in words: ``Convert units to km/h, unit from speed_unit``."""
    op, args = step["op"], {k: v for k, v in step.items() if k != "op"}
    details = {
        "case": lambda: f"to {args.get('to', 'lower')}",
        "null_if": lambda: "values " + ", ".join(repr(v) for v in args.get("values", []) if v != "") + (" and empty text" if "" in args.get("values", []) else ""),
        "phone": lambda: f"+{args.get('country_code', '1')} for {args.get('national_digits', 10)}-digit numbers",
        "parse_date": lambda: ", ".join(args.get("formats", [])) + (", date only" if args.get("as_date") else ""),
        "convert_unit": lambda: f"to {args.get('to')}, " + (f"unit from {args['unit_column']}" if "unit_column" in args else f"from {args.get('from')}"),
        "convert_currency": lambda: f"to {args.get('to', '')}, " + (f"currency from {args['currency_column']}" if "currency_column" in args else f"from {args.get('from')}") + f" ({len(args.get('rates', {}))} rates)",
        "map_values": lambda: ", ".join(f"{k} → {v}" for k, v in list(args.get("mapping", {}).items())[:4]) + (" …" if len(args.get("mapping", {})) > 4 else ""),
        "clip": lambda: " and ".join(f"{'at least' if k == 'lower' else 'at most'} {v:g}" for k, v in args.items() if k in ("lower", "upper")),
    }
    detail = details[op]() if op in details and args else ""
    return (OPS[op].label if op in OPS else op).split(" (")[0] + (f": {detail}" if detail else "")


def fuzzy_config_editor(config: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """Edit a fuzzy config (comparisons, blocking rules, threshold, comparison cap)."""
    st.caption("Compare each column the way its content asks for; suggested from the data, editable.")
    comparisons = st.data_editor(
        pd.DataFrame(config["comparisons"]),
        num_rows="dynamic",
        hide_index=True,
        key="rc_comparisons_editor",
        column_config={
            "column": st.column_config.SelectboxColumn("column", options=columns, required=True),
            "kind": st.column_config.SelectboxColumn("compare as", options=list(COMPARISON_KINDS), required=True),
        },
    )
    rules_text = st.text_area(
        "Blocking rules: only records equal on all columns of a rule are compared (one rule per line; `name:3` = first 3 characters)",
        value="\n".join(", ".join(rule) for rule in config["blocking"]),
        key="rc_blocking_text",
    )
    left, right = st.columns(2)
    cap = left.number_input("Refuse above this many comparisons", 1_000, 1_000_000_000, int(config.get("max_comparisons", 20_000_000)), step=1_000_000, key="rc_cap")
    return {
        "comparisons": [{"column": str(r["column"]), "kind": str(r["kind"])} for _, r in comparisons.dropna().iterrows()],
        "blocking": [[part.strip() for part in line.split(",") if part.strip()] for line in rules_text.splitlines() if line.strip()],
        "threshold": float(st.session_state.get("rc_threshold", config.get("threshold", 0.9))),
        "max_comparisons": int(cap),
        "seed": int(config.get("seed", 42)),
    }


def survivorship_editor(columns: list[str], inputs: list[str]) -> dict[str, Any]:
    st.caption("Which row of a cluster survives into the golden table, rule by rule; the input order breaks ties.")
    left, right = st.columns(2)
    newest = left.selectbox("Keep the newest by", ["(no)"] + columns, key="rc_newest")
    priority = right.multiselect("Prefer sources in this order", inputs, key="rc_priority", disabled=len(inputs) < 2, help="With several inputs: rows from the first source listed win.")
    complete = st.checkbox("Prefer the most complete row", key="rc_complete")
    aggregate = st.data_editor(
        st.session_state.get("rc_aggregate_base", pd.DataFrame({"column": pd.Series([], dtype=str), "how": pd.Series([], dtype=str)})),
        num_rows="dynamic",
        hide_index=True,
        key="rc_aggregate_editor",
        column_config={
            "column": st.column_config.SelectboxColumn("aggregate column", options=columns),
            "how": st.column_config.SelectboxColumn("how", options=list(AGGREGATES)),
        },
    )
    return {
        "newest_by": None if newest == "(no)" else newest,
        "source_priority": priority,
        "most_complete": complete,
        "aggregate": {str(r["column"]): str(r["how"]) for _, r in aggregate.dropna().iterrows()},
    }


def load_spec(spec: dict[str, Any], suggestion_frame: pd.DataFrame) -> None:
    """Put a saved recipe into the page's widgets (a callback: runs before they exist)."""
    state = st.session_state
    state["rc_inputs"] = [i["table"] for i in spec["inputs"]]
    state["rc_mapping_base"] = suggestion_frame
    state["rc_mapping_for"] = tuple(state["rc_inputs"])
    state["rc_editor_generation"] = state.get("rc_editor_generation", 0) + 1
    combine = spec.get("combine") or {"how": "union"}
    state["rc_combine"] = combine["how"]
    state["rc_join_on"] = combine.get("on", [])
    state["rc_join_how"] = combine.get("join", "left")
    state["rc_rules"] = {rule["column"]: list(rule["steps"]) for rule in spec.get("normalize", [])}
    state["rc_sql"] = spec.get("sql") or ""
    dedupe = spec.get("dedupe")
    state["rc_method"] = {None: "none", "exact": "exact", "fuzzy": "fuzzy"}[dedupe["method"] if dedupe else None]
    rule = (dedupe or {}).get("survivorship") or {}
    state["rc_keys"] = (dedupe or {}).get("keys", [])
    state["rc_newest"] = rule.get("newest_by") or "(no)"
    state["rc_priority"] = rule.get("source_priority", [])
    state["rc_complete"] = bool(rule.get("most_complete"))
    aggregate = rule.get("aggregate") or {}
    state["rc_aggregate_base"] = pd.DataFrame({"column": list(aggregate), "how": list(aggregate.values())})
    state["rc_fuzzy_config"] = (dedupe or {}).get("config")
    state["rc_threshold"] = float((dedupe or {}).get("threshold") or ((dedupe or {}).get("config") or {}).get("threshold") or 0.9)
    state["rc_labels"] = list((dedupe or {}).get("labels") or [])
    state["rc_name"] = spec.get("name", "")
    state["rc_output"] = spec.get("output", "")
    state["rc_id"] = spec.get("id") or "(row number)"
    for key in ("rc_comparisons_editor", "rc_blocking_text", "rc_cap", "rc_aggregate_editor"):
        state.pop(key, None)


def set_label(labels: list[dict[str, Any]], left: tuple[str, str], right: tuple[str, str], match: bool) -> None:
    """Label a pair, replacing any label it had: quick clicks on the same pair leave one label."""
    pair = {tuple(left), tuple(right)}
    labels[:] = [label for label in labels if {tuple(label["left"]), tuple(label["right"])} != pair]
    labels.append({"left": list(left), "right": list(right), "match": match})
