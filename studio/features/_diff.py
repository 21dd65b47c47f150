"""What changed between two feature recipes, as structured data: column treatments added,
removed and changed, expressions and aggregates by name, the settings (target, time and
group columns, seed) and the features the proof rejected."""

from __future__ import annotations

from typing import Any

from studio.features._recipe import FeatureRecipe

SETTINGS = ("target", "time_column", "group_column", "seed")


def _by_name(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Entries added, removed and changed between two {name: JSON} maps."""
    return {
        "added": [{"name": name, "new": new[name]} for name in new if name not in old],
        "removed": [{"name": name, "old": old[name]} for name in old if name not in new],
        "changed": [{"name": name, "old": old[name], "new": new[name]} for name in old if name in new and old[name] != new[name]],
    }


def diff_recipes(old: FeatureRecipe, new: FeatureRecipe) -> dict[str, Any]:
    """The changes from ``old`` to ``new``: ``columns``, ``expressions`` and ``aggregates``
    each as {"added", "removed", "changed"} (entries with the name and the old and/or new
    JSON), ``settings`` as [{"key", "old", "new"}], ``rejected`` as {"added", "removed"}
    names, and ``same`` when nothing differs."""
    before, after = old.to_json(), new.to_json()
    found: dict[str, Any] = {
        "columns": _by_name(before["columns"], after["columns"]),
        "expressions": _by_name({d["name"]: d for d in before["expressions"]}, {d["name"]: d for d in after["expressions"]}),
        "aggregates": _by_name({a["name"]: a for a in before["aggregates"]}, {a["name"]: a for a in after["aggregates"]}),
        "settings": [{"key": key, "old": before[key], "new": after[key]} for key in SETTINGS if before[key] != after[key]],
        "rejected": {
            "added": [name for name in after["rejected"] if name not in before["rejected"]],
            "removed": [name for name in before["rejected"] if name not in after["rejected"]],
        },
    }
    found["same"] = before == after
    return found


def diff_lines(found: dict[str, Any]) -> list[str]:
    """The diff in a few lines a person reads (the CLI's text, the page's summary)."""
    if found["same"]:
        return ["no changes"]
    lines = [f"{item['key']}: {item['old']} -> {item['new']}" for item in found["settings"]]
    for section, noun in (("columns", "column"), ("expressions", "expression"), ("aggregates", "aggregate")):
        for item in found[section]["added"]:
            lines.append(f"+ {noun} {item['name']}: {_describe(section, item['new'])}")
        for item in found[section]["removed"]:
            lines.append(f"- {noun} {item['name']}")
        for item in found[section]["changed"]:
            lines.append(f"~ {noun} {item['name']}: {_describe(section, item['old'])} -> {_describe(section, item['new'])}")
    lines += [f"+ rejected {name}" for name in found["rejected"]["added"]]
    lines += [f"- rejected {name} (back in)" for name in found["rejected"]["removed"]]
    return lines


def _describe(section: str, item: dict[str, Any]) -> str:
    if section == "expressions":
        return item["expr"]
    if section == "aggregates":
        of = f"({item['column']})" if item.get("column") else ""
        return f"{item['function']}{of} of {item['table']} by {item['entity']} over {item['window']}"
    steps = ", ".join(step["op"] for step in item["steps"]) or "as is"
    return f"{item['kind']}, dropped" if item["drop"] else f"{item['kind']}: {steps}"
