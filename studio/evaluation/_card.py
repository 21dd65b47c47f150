"""The model card: one Markdown document per model version, generated from what the studio
already knows about it (report, tests, signature, lineage), so it is never out of date.
Sections: intended use, data, features, metrics, importance, slices, tests, limitations."""

from __future__ import annotations

import json
from typing import Any

MAX_CATEGORIES_SHOWN = 8
MAX_IMPORTANCE_ROWS = 10


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True, default=str)
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _describe_column(column: dict[str, Any]) -> str:
    kind = column["kind"]
    if kind in ("numeric", "temporal") and column.get("min") is not None:
        return f"{_cell(column['min'])} to {_cell(column['max'])}"
    if kind == "categorical":
        categories = column.get("categories", [])
        shown = ", ".join(str(value) for value in categories[:MAX_CATEGORIES_SHOWN])
        more = f" and {len(categories) - MAX_CATEGORIES_SHOWN} more" if len(categories) > MAX_CATEGORIES_SHOWN else ""
        return f"{len(categories)} categories: {shown}{more}"
    if kind == "text":
        return f"free text, up to {column.get('max_length', 0)} characters"
    return ""


def model_card(
    name: str,
    version: int | str,
    *,
    report: dict[str, Any] | None = None,
    tests: list[dict[str, Any]] | None = None,
    signature: dict[str, Any] | None = None,
    lineage: dict[str, Any] | None = None,
    description: str | None = None,
    intended_use: str | None = None,
    limitations: list[str] | None = None,
) -> str:
    """The card of version ``version`` of model ``name`` as Markdown. Every argument is the
    plain data the studio keeps with the version; a missing one leaves its section saying so."""
    target = (report or {}).get("target") or (signature or {}).get("target")
    task = (report or {}).get("task")
    lines = [f"# Model card: {name}, version {version}", ""]
    if description:
        lines += [description.strip(), ""]
    lines += ["## Intended use", ""]
    if intended_use:
        lines.append(intended_use.strip())
    else:
        what = f"Predicts `{target}`" if target else "Predicts its target"
        kind = f" ({task})" if task else ""
        lines.append(
            f"{what}{kind} from the input columns listed under Features, for records like the training data. "
            "It has not been validated outside the ranges and categories listed there."
        )
    lines += ["", "## Data", ""]
    if lineage:
        lines += _table(["field", "value"], [[key, value] for key, value in lineage.items()])
    else:
        lines.append("No lineage was recorded.")
    if report:
        lines += ["", f"Evaluated on a holdout of {report['rows']:,} rows the model never saw in training."]
    lines += ["", "## Features", ""]
    if signature:
        rows = [[c["name"], c["kind"], c["dtype"], c["required"], c["nullable"], _describe_column(c)] for c in signature["columns"]]
        lines += _table(["column", "kind", "type", "required", "nulls seen", "training values"], rows)
    else:
        lines.append("No input signature was recorded.")
    lines += _metrics_section(report)
    lines += _tests_section(tests)
    lines += ["", "## Limitations", ""]
    lines += [f"- {item}" for item in _limitations(report, tests, signature, limitations)]
    return "\n".join(lines).rstrip() + "\n"


def _metrics_section(report: dict[str, Any] | None) -> list[str]:
    lines = ["", "## Metrics", ""]
    if not report:
        return lines + ["No evaluation report was computed."]
    rows = []
    for metric, value in report["metrics"].items():
        label = f"**{metric}**" if metric == report["metric"] else metric
        rows.append([label, value, report.get("baseline", {}).get(metric)])
    lines += _table(["metric", "holdout", "constant prediction"], rows)
    importance = report.get("importance", [])[:MAX_IMPORTANCE_ROWS]
    if importance:
        lines += ["", f"### Most important inputs (drop in {report['metric']} when shuffled)", ""]
        lines += _table(["column", "importance", "std"], [[row["feature"], row["importance"], row["std"]] for row in importance])
    worst = report.get("worst_slices", [])
    lines += ["", "## Slices", ""]
    if worst:
        lines.append(f"The slices where {report['metric']} falls furthest below the overall {_cell(report['metrics'].get(report['metric']))}:")
        lines.append("")
        lines += _table(["column", "slice", "rows", report["metric"], "gap"], [[r["column"], r["slice"], r["rows"], r["metric"], r["gap"]] for r in worst])
    else:
        lines.append("No slice of enough rows does worse than overall.")
    return lines


def _tests_section(tests: list[dict[str, Any]] | None) -> list[str]:
    lines = ["", "## Tests", ""]
    if tests is None:
        return lines + ["The test suite has not been run."]
    passed = sum(1 for row in tests if row["passed"])
    lines += [f"{passed} of {len(tests)} tests passed.", ""]
    rows = [[row["name"], "pass" if row["passed"] else "**FAIL**", row["value"], row["threshold"], row["detail"]] for row in tests]
    return lines + _table(["test", "result", "value", "threshold", "detail"], rows)


def _limitations(report: dict[str, Any] | None, tests: list[dict[str, Any]] | None, signature: dict[str, Any] | None, given: list[str] | None) -> list[str]:
    items = [item.strip() for item in given or [] if item.strip()]
    for row in tests or []:
        if not row["passed"]:
            items.append(f"Failed test {row['name']}: {row['detail']}.")
    if report:
        # ranges of a predictive column score lower by construction (less spread to rank), so
        # only slices by value are named as weaknesses
        for row in [row for row in report.get("worst_slices", []) if row.get("by") == "value"][:3]:
            items.append(f"Weaker on {row['column']} = {row['slice']} ({row['rows']} rows): {report['metric']} {_cell(row['metric'])}.")
        calibration = report.get("calibration")
        if calibration:
            items.append(f"Probabilities are off by {calibration['error']:.3f} on average (expected calibration error on the holdout).")
    if signature:
        numeric = [c for c in signature["columns"] if c["kind"] == "numeric" and c.get("min") is not None]
        if numeric:
            items.append("Inputs outside the training ranges (" + ", ".join(f"{c['name']} {_cell(c['min'])} to {_cell(c['max'])}" for c in numeric[:5]) + ") are extrapolations.")
        if any(c["kind"] == "categorical" for c in signature["columns"]):
            items.append("Categories never seen in training are treated as unknown.")
    items.append("Measured on one holdout drawn like the training data; live traffic that drifts from it needs monitoring.")
    return items
