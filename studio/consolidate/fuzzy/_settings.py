"""Splink settings as data: one comparison dict per compared column (its levels by kind) and
the settings dict that the linkers are built from."""

from __future__ import annotations

from typing import Any

from studio.consolidate.fuzzy._prepare import Prepared


def comparison_dict(internal: str, kind: str, name_columns: list[str]) -> dict[str, Any]:
    """The comparison levels of one column: missing, exact match, the kind's closer-to-farther
    levels, different. ``name_columns`` are the other name columns (for swapped names)."""
    l, r = f"{internal}_l", f"{internal}_r"
    null = {"sql_condition": f"{l} IS NULL OR {r} IS NULL", "label_for_charts": "missing", "is_null_level": True}
    exact = {"sql_condition": f"{l} = {r}", "label_for_charts": "exact match"}
    if kind in ("name", "email", "exact"):
        exact["tf_adjustment_column"] = internal
        exact["tf_adjustment_weight"] = 1.0
    levels: list[dict[str, Any]] = [null, exact]

    def level(condition: str, label: str) -> None:
        levels.append({"sql_condition": condition, "label_for_charts": label})

    def jaro_winkler(threshold: float) -> None:
        level(f"jaro_winkler_similarity({l}, {r}) >= {threshold}", f"similar (Jaro-Winkler >= {threshold})")

    def words_within() -> None:
        # "green cafe" in "the green cafe", "silver kitchen" in "the silver kitchen llc": every
        # word of one value in the other. Jaro-Winkler weighs the start, which a leading word
        # ("the") throws off. Two words at least, so one common word is not enough.
        left_words, right_words = f"string_split({l}, ' ')", f"string_split({r}, ' ')"
        level(
            f"least(len({left_words}), len({right_words})) >= 2 AND (list_has_all({left_words}, {right_words}) OR list_has_all({right_words}, {left_words}))",
            "all words of one in the other",
        )

    if kind == "name":
        jaro_winkler(0.92)
        words_within()
        jaro_winkler(0.85)
        others = [other for other in name_columns if other != internal]
        if others:
            swapped = " OR ".join(
                f"jaro_winkler_similarity({l}, {other}_r) >= 0.92 OR jaro_winkler_similarity({other}_l, {r}) >= 0.92" for other in others
            )
            level(swapped, "matches another name column (swapped)")
        jaro_winkler(0.7)
    elif kind == "string":
        jaro_winkler(0.92)
        words_within()
        jaro_winkler(0.8)
    elif kind == "email":
        # Only a typo counts as close: addresses are made of names, so "similar" addresses
        # (same user name elsewhere, Jaro-Winkler) would count name agreement twice.
        level(_one_edit(l, r), "one character differs")
    elif kind == "date":
        level(f"year({l}) = year({r}) AND month({l}) = day({r}) AND day({l}) = month({r})", "day and month swapped")
        two_parts = f"(year({l}) = year({r}) AND month({l}) = month({r})) OR (year({l}) = year({r}) AND day({l}) = day({r})) OR (month({l}) = month({r}) AND day({l}) = day({r}))"
        level(f"CASE WHEN {two_parts} THEN damerau_levenshtein(CAST({l} AS VARCHAR), CAST({r} AS VARCHAR)) <= 1 ELSE false END", "one digit differs")
        level(f"abs(date_diff('day', {l}, {r})) <= 31", "within a month")
        level(f"abs(date_diff('day', {l}, {r})) <= 366", "within a year")
        level(f"abs(date_diff('day', {l}, {r})) <= 3653", "within ten years")
    elif kind == "number":
        level(f"abs({l} - {r}) <= 0.01 * greatest(abs({l}), abs({r}))", "within 1%")
        level(f"abs({l} - {r}) <= 0.1 * greatest(abs({l}), abs({r}))", "within 10%")
    elif kind == "postcode":
        level(_one_edit(l, r), "one character differs")
        level(f"left({l}, length({l}) - 3) = left({r}, length({r}) - 3) AND length({l}) > 4", "same but the last 3 characters")
        level(f"left({l}, 2) = left({r}, 2)", "same first 2 characters")
    elif kind == "phone":
        level(f"right({l}, 7) = right({r}, 7) AND length({l}) >= 7", "same last seven digits")
        level(_one_edit(l, r), "one digit differs")
    levels.append({"sql_condition": "ELSE", "label_for_charts": "different"})
    return {"output_column_name": internal, "comparison_levels": levels, "comparison_description": kind}


def _one_edit(l: str, r: str) -> str:
    """Damerau-Levenshtein distance <= 1, computed only where it can hold: it is ~60x slower
    than Jaro-Winkler, and one edit keeps Jaro-Winkler above 0.8 from 4 characters up."""
    return f"CASE WHEN least(length({l}), length({r})) <= 3 OR jaro_winkler_similarity({l}, {r}) >= 0.8 THEN damerau_levenshtein({l}, {r}) <= 1 ELSE false END"


def _name_columns(prepared: Prepared) -> list[str]:
    return [c for c in prepared.compared if prepared.kinds[c] == "name"]


def comparison_columns(prepared: Prepared) -> dict[str, set[str]]:
    """Internal columns each comparison reads (a name comparison also reads the other names)."""
    names = _name_columns(prepared)
    return {c: ({c} | set(names) if prepared.kinds[c] == "name" else {c}) for c in prepared.compared}


def settings(prepared: Prepared, blocking: list[str]) -> dict[str, Any]:
    """Splink settings for the prepared table, predicting over the ``blocking`` rules (SQL)."""
    names = _name_columns(prepared)
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": [comparison_dict(c, prepared.kinds[c], names) for c in prepared.compared],
        "blocking_rules_to_generate_predictions": [{"blocking_rule": rule} for rule in blocking],
        "retain_matching_columns": True,  # the only way to keep the gamma columns in predictions
        "retain_intermediate_calculation_columns": False,
        "probability_two_random_records_match": 1e-4,
        "max_iterations": 25,
        "em_convergence": 1e-4,
    }
