"""Suggest how several tables' columns map onto one target schema, by name and type."""

import difflib
import re
from typing import Any

from studio.errors import StudioError


def _concepts(name: str) -> list[str]:
    """A column name as concept words: ``merchantName`` -> ["merchant", "name"], with common
    synonyms folded (zip/postcode, town/city, code/key/id, ...)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", words) if t]
    while len(tokens) > 1 and tokens[-1] in GENERIC_SUFFIXES:
        tokens.pop()
    return [SYNONYMS.get(t, t) for t in tokens] or [name.lower()]


SYNONYMS = {
    "postcode": "zip", "postal": "zip", "zipcode": "zip", "plz": "zip",
    "town": "city", "municipality": "city",
    "street": "address", "addr": "address", "address1": "address",
    "code": "id", "key": "id", "identifier": "id", "no": "id", "num": "id",
    "telephone": "phone", "tel": "phone", "mobile": "phone", "cell": "phone",
    "mail": "email", "e_mail": "email",
    "surname": "last", "lastname": "last", "family": "last", "forename": "first", "firstname": "first", "given": "first",
    "dob": "birth", "birthday": "birth", "birthdate": "birth",
    "lat": "latitude", "lon": "longitude", "lng": "longitude",
    "qty": "quantity", "amt": "amount", "cat": "category",
}
GENERIC_SUFFIXES = {"type", "value", "field", "col", "txt", "text"}


def name_similarity(left: str, right: str) -> float:
    """0..1: how likely two column names mean the same thing. The head word (the last) counts
    most: ``restaurant_id`` and ``merchant_code`` share it, ``name`` and ``merchant_name`` too."""
    a, b = _concepts(left), _concepts(right)
    if a == b:
        return 1.0
    head = 1.0 if a[-1] == b[-1] else 0.0
    overlap = len(set(a) & set(b)) / len(set(a) | set(b))
    spelling = difflib.SequenceMatcher(None, "_".join(a), "_".join(b)).ratio()
    return max(0.55 * head + 0.25 * overlap + 0.2 * spelling, spelling * 0.9)


def _type_family(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if any(k in t for k in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC")):
        return "number"
    if "TIMESTAMP" in t or t == "DATE":
        return "time"
    if t == "BOOLEAN":
        return "bool"
    return "text"


def suggest_mapping(tables: list[tuple[str, list[dict[str, str]]]], threshold: float = 0.5) -> dict[str, Any]:
    """Suggest a target schema and each table's mapping onto it. The first table's columns are
    the targets; every other table's columns are matched to them one to one by name similarity
    (types must be compatible; text takes anything), best pairs first; columns left over become
    new targets. Returns {"schema": [{"name","type"}], "inputs": [{"table", "columns": {target: column}}],
    "scores": {table: {target: score}}}."""
    if not tables:
        raise StudioError("pick at least one table to align")
    first_name, first_columns = tables[0]
    targets: dict[str, str] = {c["name"]: c["type"] for c in first_columns}
    mappings = [{"table": first_name, "columns": {c["name"]: c["name"] for c in first_columns}}]
    scores: dict[str, dict[str, float]] = {first_name: {c["name"]: 1.0 for c in first_columns}}
    for table, columns in tables[1:]:
        candidates = []
        for column in columns:
            for target, target_type in targets.items():
                families = {_type_family(column["type"]), _type_family(target_type)}
                if len(families) > 1 and "text" not in families:
                    continue
                score = name_similarity(column["name"], target)
                if score >= threshold:
                    candidates.append((score, column["name"], target))
        mapping: dict[str, str] = {}
        used: set[str] = set()
        table_scores: dict[str, float] = {}
        for score, column, target in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
            if target in mapping or column in used:
                continue
            mapping[target] = column
            used.add(column)
            table_scores[target] = round(score, 2)
        for column in columns:
            if column["name"] not in used:
                name = column["name"] if column["name"] not in targets else f"{column['name']}_{table}"
                targets[name] = column["type"]
                mapping[name] = column["name"]
                table_scores[name] = 1.0
        for target in list(mapping):
            if _type_family(targets[target]) != _type_family(next(c["type"] for c in columns if c["name"] == mapping[target])):
                targets[target] = "VARCHAR"
        mappings.append({"table": table, "columns": mapping})
        scores[table] = table_scores
    schema = [{"name": name, "type": type_} for name, type_ in targets.items()]
    return {"schema": schema, "inputs": [{"table": m["table"], "columns": {t: m["columns"].get(t) for t in targets}} for m in mappings], "scores": scores}
