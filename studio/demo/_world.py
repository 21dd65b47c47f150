"""The demo world, part 1: a food-delivery company's data in four messy sources.

Deterministic under a seed (same bytes every run, so rebuilding adds no new versions):

- ``orders`` (CSV, ~200k rows) from the ordering system: the target is ``delivery_minutes``.
  Flaws: missing distances and weather, double-submitted orders (exact duplicates), a few
  impossible delivery times.
- ``restaurants_a`` (Parquet) from the partner system and ``restaurants_b`` (SQLite table
  ``merchants``) from the marketing CRM: mostly the same restaurants under near-duplicate
  names and addresses ("Joe's Pizza" / "JOES PIZZA LLC", "Street" / "St."), B also lists some
  twice; different ids, column names, phone formats and cuisine labels.
- ``couriers`` (NDJSON) from the courier app: speeds in km/h or mph, shift lengths in seconds
  or minutes (unit columns say which), missing ratings and phones.
"""

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20261123
N_RESTAURANTS = 600
N_COURIERS = 400
N_ORDERS = 200_000
START = pd.Timestamp("2026-06-01")
DAYS = 120

CITIES = [("Springfield", "62701", 39.78, -89.65), ("Riverton", "82501", 43.02, -108.38), ("Lakeside", "92040", 32.86, -116.92), ("Fairview", "97024", 45.54, -122.43), ("Oakdale", "95361", 37.77, -120.85)]
OWNERS = ["Joe", "Mario", "Lucy", "Ahmed", "Mei", "Carlos", "Priya", "Hans", "Aiko", "Omar", "Sofia", "Ivan", "Grace", "Luca", "Nina", "Raj", "Elena", "Tom", "Yuki", "Ana"]
PLACES = ["Kitchen", "Grill", "Bistro", "Diner", "Cafe", "House", "Corner", "Garden", "Express", "Table", "Oven", "Bowl"]
ADJECTIVES = ["Golden", "Blue", "Red", "Little", "Happy", "Green", "Silver", "Royal", "Lucky", "Old Town", "Sunny", "Spicy"]
CUISINES = {"Pizza": "Italian", "Sushi": "Japanese", "Tacos": "Mexican", "Curry": "Indian", "Noodles": "Chinese", "Burgers": "American", "Falafel": "Middle Eastern", "Pho": "Vietnamese", "Salads": "Healthy", "BBQ": "American"}
STREETS = ["Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "River", "Sunset"]
SUFFIXES = [("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd."), ("Boulevard", "Blvd")]
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn", "Drew", "Kai", "Rowan", "Skyler", "Parker", "Reese"]
LAST = ["Smith", "Garcia", "Chen", "Patel", "Kim", "Nguyen", "Müller", "Rossi", "Silva", "Okafor", "Cohen", "Novak", "Dubois", "Sato", "Larsen", "Haddad"]


def _restaurants(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    cuisine_words = list(CUISINES)
    for index in range(N_RESTAURANTS):
        cuisine = cuisine_words[rng.integers(len(cuisine_words))]
        style = rng.integers(3)
        if style == 0:
            name = f"{OWNERS[rng.integers(len(OWNERS))]}'s {cuisine}"
        elif style == 1:
            name = f"{ADJECTIVES[rng.integers(len(ADJECTIVES))]} {cuisine} {PLACES[rng.integers(len(PLACES))]}"
        else:
            name = f"The {ADJECTIVES[rng.integers(len(ADJECTIVES))]} {PLACES[rng.integers(len(PLACES))]}"
        city, zip_code, lat, lon = CITIES[rng.integers(len(CITIES))]
        suffix = SUFFIXES[rng.integers(len(SUFFIXES))]
        rows.append(
            {
                "true_id": index,
                "name": name,
                "number": int(rng.integers(1, 2500)),
                "street": STREETS[rng.integers(len(STREETS))],
                "suffix_long": suffix[0],
                "suffix_short": suffix[1],
                "city": city,
                "zip": zip_code,
                "lat": round(lat + rng.normal(0, 0.04), 5),
                "lon": round(lon + rng.normal(0, 0.04), 5),
                "cuisine": cuisine,
                "category": CUISINES[cuisine],
                "base_prep_minutes": float(np.clip(rng.normal(14, 4), 5, 35)),
                "phone": f"{rng.integers(200, 999)}{rng.integers(200, 999)}{rng.integers(1000, 9999)}",
                "opened_on": (pd.Timestamp("2015-01-01") + pd.Timedelta(days=int(rng.integers(0, 3800)))).date(),
                "rating": round(float(np.clip(rng.normal(4.2, 0.4), 2.5, 5.0)), 1),
            }
        )
    return pd.DataFrame(rows)


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 4:
        return text
    position = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(3)
    if kind == 0:
        return text[:position] + text[position + 1 :]
    if kind == 1:
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    return text[:position] + text[position] + text[position:]


def _variant_name(name: str, rng: np.random.Generator) -> str:
    choice = rng.integers(6)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return name.replace("'", "")
    if choice == 2:
        return name + (" LLC" if rng.random() < 0.5 else " Inc.")
    if choice == 3:
        return _typo(name, rng)
    if choice == 4:
        return name.replace("The ", "") if name.startswith("The ") else name.lower()
    return name


def restaurants_a(restaurants: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    chosen = restaurants[rng.random(len(restaurants)) < 0.9]
    return pd.DataFrame(
        {
            "restaurant_id": [f"R{t:04d}" for t in chosen.true_id],
            "name": chosen.name.values,
            "address": [f"{n} {s} {suf}" for n, s, suf in zip(chosen.number, chosen.street, chosen.suffix_long)],
            "city": chosen.city.values,
            "zip": chosen.zip.values,
            "cuisine": chosen.cuisine.values,
            "lat": chosen.lat.values,
            "lon": chosen.lon.values,
            "avg_prep_minutes": np.round(chosen.base_prep_minutes.values, 1),
            "opened_on": chosen.opened_on.values,
        }
    )


def _listed_in_b(restaurants: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The restaurants the CRM lists, 15 of them twice."""
    chosen = restaurants[rng.random(len(restaurants)) < 0.8]
    twice = chosen.sample(n=15, random_state=int(rng.integers(1 << 30)))
    return pd.concat([chosen, twice]).reset_index(drop=True)


def restaurants_b(restaurants: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    listed = _listed_in_b(restaurants, rng)
    phones = []
    for phone in listed.phone:
        style = rng.integers(3)
        phones.append(f"({phone[:3]}) {phone[3:6]}-{phone[6:]}" if style == 0 else f"+1 {phone[:3]}.{phone[3:6]}.{phone[6:]}" if style == 1 else phone)
    return pd.DataFrame(
        {
            "merchant_code": [f"M-{10000 + i}" for i in range(len(listed))],
            "merchant_name": [_variant_name(n, rng) for n in listed.name],
            "street": [
                f"{n} {s} {short if rng.random() < 0.6 else long}"
                for n, s, short, long in zip(listed.number, listed.street, listed.suffix_short, listed.suffix_long)
            ],
            "town": [c if rng.random() < 0.9 else c.upper() for c in listed.city],
            "postcode": listed.zip.values,
            "phone": [p if rng.random() > 0.05 else None for p in phones],
            "cuisine_type": [c if rng.random() < 0.5 else c.lower() for c in listed.category],
            "rating": [r if rng.random() > 0.1 else None for r in listed.rating],
        }
    )


def couriers(rng: np.random.Generator) -> list[dict[str, Any]]:
    records = []
    for index in range(N_COURIERS):
        vehicle = ["bike", "scooter", "car"][rng.choice(3, p=[0.35, 0.4, 0.25])]
        speed_kmh = {"bike": 15.0, "scooter": 24.0, "car": 28.0}[vehicle] * float(np.clip(rng.normal(1, 0.12), 0.6, 1.5))
        in_miles = rng.random() < 0.3
        shift_minutes = float(rng.choice([240, 360, 480, 600]))
        in_seconds = rng.random() < 0.4
        records.append(
            {
                "courier_id": f"C{index:04d}",
                "name": f"{FIRST[rng.integers(len(FIRST))]} {LAST[rng.integers(len(LAST))]}",
                "vehicle": vehicle,
                "avg_speed": round(speed_kmh / 1.609344, 1) if in_miles else round(speed_kmh, 1),
                "speed_unit": "mph" if in_miles else "km/h",
                "shift_length": int(shift_minutes * 60) if in_seconds else int(shift_minutes),
                "shift_unit": "seconds" if in_seconds else "minutes",
                "experience_months": int(rng.integers(0, 60)),
                "rating": round(float(np.clip(rng.normal(4.6, 0.3), 3, 5)), 2) if rng.random() > 0.12 else None,
                "phone": f"555-{rng.integers(1000, 9999)}" if rng.random() > 0.2 else None,
                "_speed_kmh": speed_kmh,
            }
        )
    return records


def orders(restaurants: pd.DataFrame, in_a: set[int], courier_records: list[dict[str, Any]], rng: np.random.Generator) -> pd.DataFrame:
    open_restaurants = restaurants[restaurants.true_id.isin(in_a)].reset_index(drop=True)
    n = N_ORDERS
    pick = rng.integers(0, len(open_restaurants), n)
    restaurant = open_restaurants.iloc[pick].reset_index(drop=True)
    courier_index = rng.integers(0, len(courier_records), n)
    speed = np.array([c["_speed_kmh"] for c in courier_records])[courier_index]
    day = rng.integers(0, DAYS, n)
    hour = rng.choice(24, n, p=_hour_weights())
    minute = rng.integers(0, 60, n)
    placed = START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(hour, unit="h") + pd.to_timedelta(minute, unit="m")
    distance = np.round(np.clip(rng.gamma(2.2, 1.4, n), 0.3, 25), 2)
    items = rng.integers(1, 8, n)
    rain = rng.random(n) < 0.18
    rush = np.isin(hour, [12, 13, 18, 19, 20])
    prep = restaurant.base_prep_minutes.values * (1 + 0.06 * (items - 1)) * np.where(rush, 1.25, 1.0)
    travel = distance / speed * 60 * np.where(rush, 1.3, 1.0) * np.where(rain, 1.2, 1.0)
    delivery = prep + travel + rng.uniform(2, 5, n) + rng.normal(0, 2.5, n)
    subtotal = np.round(items * rng.uniform(6, 16, n), 2)
    frame = pd.DataFrame(
        {
            "order_id": [f"O{i:07d}" for i in range(n)],
            "placed_at": placed.strftime("%Y-%m-%d %H:%M:%S"),
            "restaurant_id": [f"R{t:04d}" for t in restaurant.true_id],
            "courier_id": [courier_records[i]["courier_id"] for i in courier_index],
            "distance_km": distance,
            "items": items,
            "subtotal": subtotal,
            "weather": np.where(rain, "rain", "clear"),
            "delivery_minutes": np.round(delivery, 1),
        }
    )
    frame.loc[rng.random(n) < 0.02, "distance_km"] = np.nan
    frame.loc[rng.random(n) < 0.05, "weather"] = None
    broken = rng.random(n) < 0.001
    frame.loc[broken, "delivery_minutes"] = np.round(rng.choice([-5.0, 0.0, 999.0], broken.sum()), 1)
    duplicates = frame.sample(frac=0.005, random_state=int(rng.integers(1 << 30)))
    return pd.concat([frame, duplicates]).sort_values(["placed_at", "order_id"], kind="stable").reset_index(drop=True)


def _hour_weights() -> np.ndarray:
    weights = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2, 2.5, 4, 7, 6, 3, 2.5, 3, 5, 8, 8, 6, 4, 2.5, 1.5])
    return weights / weights.sum()


def restaurant_truth(seed: int = SEED) -> dict[tuple[str, str], int]:
    """Which real restaurant each demo record is: (source, id) -> true id. The studio never
    sees this; tests use it to measure entity resolution on the demo."""
    rng = np.random.default_rng(seed)
    restaurants = _restaurants(rng)
    table_a = restaurants_a(restaurants, rng)
    listed = _listed_in_b(restaurants, rng)
    truth = {("restaurants_a", rid): int(rid[1:]) for rid in table_a.restaurant_id}
    truth.update({("restaurants_b", f"M-{10000 + i}"): int(t) for i, t in enumerate(listed.true_id)})
    return truth


def write_demo_files(folder: Path, seed: int = SEED) -> dict[str, Path]:
    """Generate the four demo files under ``folder``; same seed, same bytes (another seed
    makes another world with the same flaws, for tests that must not rest on one draw)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    restaurants = _restaurants(rng)
    table_a = restaurants_a(restaurants, rng)
    table_b = restaurants_b(restaurants, rng)
    courier_records = couriers(rng)
    in_a = {int(r[1:]) for r in table_a.restaurant_id}
    order_table = orders(restaurants, in_a, courier_records, rng)

    paths = {
        "orders": folder / "orders.csv",
        "restaurants_a": folder / "restaurants_partner.parquet",
        "restaurants_b": folder / "crm.sqlite",
        "couriers": folder / "couriers.ndjson",
    }
    order_table.to_csv(paths["orders"], index=False, float_format="%.2f")
    pq.write_table(pa.Table.from_pandas(table_a, preserve_index=False), paths["restaurants_a"])
    paths["restaurants_b"].unlink(missing_ok=True)
    with sqlite3.connect(paths["restaurants_b"]) as connection:
        table_b.to_sql("merchants", connection, index=False)
    with open(paths["couriers"], "w") as handle:
        for record in courier_records:
            handle.write(json.dumps({k: v for k, v in record.items() if not k.startswith("_")}) + "\n")
    return paths
