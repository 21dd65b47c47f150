"""Two versions of a model side by side: what training recorded (metrics, parameters: the
scalars of each version's info, by dotted key), the newest test results, lineage and the
registry's notes. Plain data for the CLI and the page."""

from __future__ import annotations

from typing import Any

# Sections of a version's info too big to compare value by value; the page shows them apart.
BULKY = ("signature", "expectations", "holdout", "suite")


def flatten(info: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalars of ``info`` by dotted key (``scores.holdout``); lists and bulky sections left out."""
    out: dict[str, Any] = {}
    for key, value in info.items():
        if not prefix and key in BULKY:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{path}."))
        elif not isinstance(value, list):
            out[path] = value
    return out


def _test_cells(run: Any) -> dict[str, dict[str, Any]]:
    if run is None:
        return {}
    return {row["name"]: {"passed": row["passed"], "value": row["value"], "threshold": row["threshold"]} for row in run.tests}


def compare_versions(a: Any, b: Any, lineage_a: dict[str, Any], lineage_b: dict[str, Any]) -> dict[str, Any]:
    """``a`` and ``b`` are ``RegistryVersion``s of one model; every row holds both sides and
    whether they differ, so a reader can show only the differences."""
    info_a, info_b = flatten(a.model.info), flatten(b.model.info)
    info = [
        {"key": key, "a": info_a.get(key), "b": info_b.get(key), "differs": info_a.get(key) != info_b.get(key)}
        for key in sorted(set(info_a) | set(info_b))
    ]
    tests_a, tests_b = _test_cells(a.tests), _test_cells(b.tests)
    tests = [{"name": name, "a": tests_a.get(name), "b": tests_b.get(name)} for name in dict.fromkeys([*tests_a, *tests_b])]
    notes = {
        field: {"a": getattr(a, field), "b": getattr(b, field)} for field in ("aliases", "tags", "description", "archived")
    }
    return {
        "model": a.model.name,
        "versions": [a.model.version, b.model.version],
        "info": info,
        "tests": tests,
        "lineage": {"a": lineage_a, "b": lineage_b},
        "notes": notes,
        "artifact": {"a": {"content_hash": a.model.content_hash, "bytes": a.model.bytes}, "b": {"content_hash": b.model.content_hash, "bytes": b.model.bytes}},
    }
