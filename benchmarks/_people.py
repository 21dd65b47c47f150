"""Synthetic person records with known truth, for the fuzzy-dedupe benchmark and its tests.

``people(rows, seed)`` gives a pyarrow table of ``rows`` records describing fewer people: each
person has one clean record and, with decreasing probability, 1-4 more records carrying the
flaws real merged sources have: typos (substitution, deletion, insertion, transposition),
first and last name swapped, missing values, day and month of the birth date transposed or a
digit off, a new address (postcode and city) after a move, a different e-mail address, and
varying case and spacing. Column ``entity_id`` is the truth (the person a record describes);
``row_id`` numbers the records in a shuffled order. The same ``rows`` and ``seed`` always give
the same table.

Names are made of syllables (no name list is downloaded or shipped) and drawn with Zipf-like
frequencies, so common names are shared by many different people, as in real data.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "r", "s", "sh", "st", "t", "th", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ie", "ou", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "th", "m", "rd", "nd", "x", "tt", "ck"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me", "mail.com", "web.de"]
DOMAIN_WEIGHTS = [0.35, 0.12, 0.15, 0.12, 0.1, 0.04, 0.06, 0.06]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
AREAS = 120
EXTRA_RECORDS = [0, 1, 2, 3, 4]
EXTRA_WEIGHTS = [0.60, 0.22, 0.10, 0.05, 0.03]  # ~1.69 records a person
FIRST_DAY = dt.date(1940, 1, 1).toordinal()
LAST_DAY = dt.date(2005, 12, 31).toordinal()


def _names(rng: np.random.Generator, count: int, syllables: tuple[int, int]) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        parts = []
        for _ in range(int(rng.integers(syllables[0], syllables[1] + 1))):
            parts.append(ONSETS[rng.integers(len(ONSETS))] + VOWELS[rng.integers(len(VOWELS))] + CODAS[rng.integers(len(CODAS))])
        name = "".join(parts)
        if 3 <= len(name) <= 12:
            names.add(name.capitalize())
    return sorted(names)


def _zipf(count: int, exponent: float, offset: float) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + offset) ** exponent
    return weights / weights.sum()


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 2:
        return text
    position = int(rng.integers(1, len(text))) if rng.random() < 0.85 else 0
    kind = rng.integers(4)
    letter = LETTERS[rng.integers(26)]
    if kind == 0:
        return text[:position] + letter + text[position + 1 :]
    if kind == 1:
        return text[:position] + text[position + 1 :]
    if kind == 2:
        return text[:position] + letter + text[position:]
    position = min(position, len(text) - 2)
    return text[:position] + text[position + 1] + text[position] + text[position + 2 :]


def _postcode(rng: np.random.Generator, area: str) -> str:
    district = int(rng.integers(1, 30))
    sector = int(rng.integers(0, 10))
    unit = POSTCODE_LETTERS[rng.integers(20)] + POSTCODE_LETTERS[rng.integers(20)]
    return f"{area}{district} {sector}{unit}"


def _email(rng: np.random.Generator, first: str, last: str) -> str:
    first, last = first.lower(), last.lower()
    pattern = rng.integers(4)
    user = [f"{first}.{last}", f"{first}{last}", f"{first[0]}.{last}", f"{first}_{last}"][pattern]
    if rng.random() < 0.6:
        user += str(int(rng.integers(1, 100)))
    return f"{user}@{DOMAINS[rng.choice(len(DOMAINS), p=DOMAIN_WEIGHTS)]}"


def _styled(rng: np.random.Generator, text: str) -> str:
    """Case and spacing vary between sources."""
    draw = rng.random()
    if draw < 0.05:
        return text.upper()
    if draw < 0.08:
        return text.lower()
    if draw < 0.10:
        return f" {text} "
    return text


def people(rows: int, seed: int = 20240607) -> pa.Table:
    """``rows`` person records with a known ``entity_id`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    first_pool = _names(rng, 3000, (1, 3))
    last_pool = _names(rng, 40000, (2, 3))
    first_p, last_p = _zipf(len(first_pool), 1.0, 20.0), _zipf(len(last_pool), 0.9, 50.0)
    area_codes = sorted({LETTERS[i].upper() + LETTERS[j].upper() for i, j in rng.integers(0, 26, (AREAS * 3, 2))})[:AREAS]
    cities = [name + suffix for name, suffix in zip(_names(rng, AREAS, (2, 3)), rng.choice(["", "ton", "ford", "by", "ham", "field"], AREAS))]
    city_p = _zipf(AREAS, 1.0, 5.0)

    extras = rng.choice(EXTRA_RECORDS, size=rows, p=EXTRA_WEIGHTS)
    sizes = extras + 1
    entities = int(np.searchsorted(np.cumsum(sizes), rows)) + 1
    sizes = sizes[:entities]
    sizes[-1] -= int(sizes.sum()) - rows

    first_index = rng.choice(len(first_pool), size=entities, p=first_p)
    last_index = rng.choice(len(last_pool), size=entities, p=last_p)
    area_index = rng.choice(AREAS, size=entities, p=city_p)
    birth = rng.integers(FIRST_DAY, LAST_DAY + 1, size=entities)
    gender = np.where(first_index % 2 == 0, "F", "M")

    out: dict[str, list] = {key: [] for key in ("entity_id", "first_name", "last_name", "dob", "email", "postcode", "city", "gender")}
    for entity in range(entities):
        first, last = first_pool[first_index[entity]], last_pool[last_index[entity]]
        area = int(area_index[entity])
        postcode, city = _postcode(rng, area_codes[area]), cities[area]
        email = _email(rng, first, last)
        born = dt.date.fromordinal(int(birth[entity]))
        for copy in range(int(sizes[entity])):
            record = {"first_name": first, "last_name": last, "dob": born, "email": email, "postcode": postcode, "city": city, "gender": gender[entity]}
            if copy == 0:
                _originals(rng, record)
            else:
                _corrupt(rng, record, area_codes, cities, city_p)
            out["entity_id"].append(entity)
            for key, value in record.items():
                out[key].append(_styled(rng, value) if isinstance(value, str) and key in ("first_name", "last_name", "city") else value)
    order = rng.permutation(rows)
    table = pa.table(
        {
            "entity_id": pa.array(out["entity_id"], pa.int64()),
            "first_name": pa.array(out["first_name"], pa.string()),
            "last_name": pa.array(out["last_name"], pa.string()),
            "dob": pa.array(out["dob"], pa.date32()),
            "email": pa.array(out["email"], pa.string()),
            "postcode": pa.array(out["postcode"], pa.string()),
            "city": pa.array(out["city"], pa.string()),
            "gender": pa.array(out["gender"], pa.string()),
        }
    ).take(pa.array(order))
    return table.add_column(0, "row_id", pa.array(np.arange(rows, dtype=np.int64)))


def _originals(rng: np.random.Generator, record: dict) -> None:
    """Even a person's first record has gaps."""
    for key, rate in (("email", 0.10), ("postcode", 0.03), ("gender", 0.05), ("dob", 0.02)):
        if rng.random() < rate:
            record[key] = None


def _corrupt(rng: np.random.Generator, record: dict, area_codes: list[str], cities: list[str], city_p: np.ndarray) -> None:
    draw = rng.random(10)
    if draw[0] < 0.12:  # moved house
        area = int(rng.choice(len(cities), p=city_p))
        record["postcode"], record["city"] = _postcode(rng, area_codes[area]), cities[area]
    if draw[1] < 0.05:
        record["postcode"] = _typo(rng, record["postcode"])
    if draw[2] < 0.15:
        record["first_name"] = _typo(rng, record["first_name"])
    if draw[3] < 0.12:
        record["last_name"] = _typo(rng, record["last_name"])
    if draw[4] < 0.05:
        record["first_name"], record["last_name"] = record["last_name"], record["first_name"]
    born: dt.date = record["dob"]
    if draw[5] < 0.05 and born.day <= 12 and born.day != born.month:
        record["dob"] = born.replace(month=born.day, day=born.month)
    elif draw[6] < 0.04:
        record["dob"] = born + dt.timedelta(days=int(rng.choice([-1, 1, -10, 10, -365, 365])))
    if draw[7] < 0.08:
        record["email"] = _email(rng, record["first_name"] or "x", record["last_name"] or "y")
    elif draw[8] < 0.04:
        record["email"] = _typo(rng, record["email"])
    if draw[9] < 0.03:
        record["city"] = _typo(rng, record["city"])
    missing = rng.random(7)
    for index, (key, rate) in enumerate((("first_name", 0.03), ("last_name", 0.02), ("dob", 0.05), ("email", 0.15), ("postcode", 0.08), ("city", 0.08), ("gender", 0.05))):
        if missing[index] < rate:
            record[key] = None
