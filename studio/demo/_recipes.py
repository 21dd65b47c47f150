"""The demo world, part 2: saved recipes that consolidate the demo's sources.

- ``restaurants``: the partner system and the CRM aligned onto one schema, names, addresses,
  cities and phones normalized, near-duplicate restaurants resolved with Splink, the partner's
  record surviving (the CRM fills its missing phone and rating).
- ``couriers_clean``: speeds in km/h and shift lengths in minutes, whatever unit each record used.
- ``orders_clean``: double-submitted orders removed (exact on ``order_id``).
- ``delivery_training``: the training set: clean orders with plausible delivery times, joined
  to their restaurant's golden record and courier (the custom SQL step).
"""

from typing import Any

TEXT_FOLD = [{"op": "unicode_fold"}, {"op": "case", "to": "lower"}, {"op": "strip_punctuation"}, {"op": "collapse_spaces"}]

RESTAURANTS: dict[str, Any] = {
    "name": "restaurants",
    "output": "restaurants",
    "inputs": [
        {
            "table": "restaurants_a",
            "columns": {
                "restaurant_id": "restaurant_id", "name": "name", "address": "address", "city": "city", "zip": "zip",
                "cuisine": "cuisine", "category": None, "phone": None, "rating": None, "avg_prep_minutes": "avg_prep_minutes",
                "lat": "lat", "lon": "lon", "opened_on": "opened_on",
            },
        },
        {
            "table": "restaurants_b",
            "columns": {
                "restaurant_id": "merchant_code", "name": "merchant_name", "address": "street", "city": "town", "zip": "postcode",
                "cuisine": None, "category": "cuisine_type", "phone": "phone", "rating": "rating", "avg_prep_minutes": None,
                "lat": None, "lon": None, "opened_on": None,
            },
        },
    ],
    "schema": [
        {"name": "restaurant_id", "type": "VARCHAR"}, {"name": "name", "type": "VARCHAR"}, {"name": "address", "type": "VARCHAR"},
        {"name": "city", "type": "VARCHAR"}, {"name": "zip", "type": "VARCHAR"}, {"name": "cuisine", "type": "VARCHAR"},
        {"name": "category", "type": "VARCHAR"}, {"name": "phone", "type": "VARCHAR"}, {"name": "rating", "type": "DOUBLE"},
        {"name": "avg_prep_minutes", "type": "DOUBLE"}, {"name": "lat", "type": "DOUBLE"}, {"name": "lon", "type": "DOUBLE"},
        {"name": "opened_on", "type": "DATE"},
    ],
    "normalize": [
        {"column": "name", "steps": TEXT_FOLD},
        {"column": "address", "steps": TEXT_FOLD},
        {"column": "city", "steps": [{"op": "trim"}, {"op": "case", "to": "title"}]},
        {"column": "phone", "steps": [{"op": "phone", "country_code": "1", "national_digits": 10}]},
        {"column": "category", "steps": [{"op": "trim"}, {"op": "case", "to": "title"}]},
    ],
    "dedupe": {
        "method": "fuzzy",
        "config": {
            "comparisons": [
                {"column": "name", "kind": "name"},
                {"column": "address", "kind": "string"},
                {"column": "zip", "kind": "postcode"},
                {"column": "city", "kind": "exact"},
            ],
            "blocking": [["zip"], ["name:4"]],
            "threshold": 0.9,
            "max_comparisons": 5_000_000,
            "seed": 42,
        },
        "survivorship": {
            "source_priority": ["restaurants_a", "restaurants_b"],
            "aggregate": {"phone": "first_non_null", "rating": "first_non_null", "category": "first_non_null"},
        },
    },
    "id": "restaurant_id",
}

COURIERS: dict[str, Any] = {
    "name": "couriers_clean",
    "output": "couriers_clean",
    "inputs": ["couriers"],
    "normalize": [
        {"column": "avg_speed", "steps": [{"op": "convert_unit", "to": "km/h", "unit_column": "speed_unit"}]},
        {"column": "shift_length", "steps": [{"op": "convert_unit", "to": "min", "unit_column": "shift_unit"}]},
        {"column": "phone", "steps": [{"op": "null_if", "values": ["", "n/a"]}]},
    ],
    "id": "courier_id",
}

ORDERS: dict[str, Any] = {
    "name": "orders_clean",
    "output": "orders_clean",
    "inputs": ["orders"],
    "normalize": [{"column": "weather", "steps": [{"op": "null_if", "values": ["", "unknown"]}]}],
    "dedupe": {"method": "exact", "keys": ["order_id"], "survivorship": {"most_complete": True}},
    "id": "order_id",
}

TRAINING: dict[str, Any] = {
    "name": "delivery_training",
    "output": "delivery_training",
    "inputs": ["orders_clean"],
    "sql": (
        "SELECT o.*, r.cuisine, r.category, r.avg_prep_minutes, r.rating AS restaurant_rating, "
        "c.vehicle, c.avg_speed AS courier_speed_kmh, c.experience_months AS courier_experience_months "
        "FROM input o LEFT JOIN restaurants r USING (restaurant_id) LEFT JOIN couriers_clean c USING (courier_id) "
        "WHERE o.delivery_minutes BETWEEN 1 AND 240"
    ),
    "id": "order_id",
}

DEMO_RECIPES = [RESTAURANTS, COURIERS, ORDERS, TRAINING]
