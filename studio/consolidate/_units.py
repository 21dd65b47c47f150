"""Units the normalization rules convert between: factors to each quantity's base unit, and
the spellings a messy source uses for them."""

# quantity -> unit -> factor to the base unit (the first one listed)
FACTORS: dict[str, dict[str, float]] = {
    "distance": {"km": 1.0, "m": 0.001, "mi": 1.609344, "ft": 0.0003048, "yd": 0.0009144},
    "duration": {"min": 1.0, "s": 1 / 60, "ms": 1 / 60_000, "h": 60.0, "d": 1440.0},
    "weight": {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "oz": 0.028349523125},
    "speed": {"km/h": 1.0, "m/s": 3.6, "mph": 1.609344, "kn": 1.852},
}
# temperature is affine, not a factor: value in unit -> Celsius, and back
TEMPERATURE_TO_C = {"C": ("({v})", "({v})"), "F": ("(({v}) - 32) * 5 / 9", "({v}) * 9 / 5 + 32"), "K": ("({v}) - 273.15", "({v}) + 273.15")}

ALIASES: dict[str, str] = {
    "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km", "kms": "km",
    "meter": "m", "meters": "m", "metre": "m", "metres": "m",
    "mile": "mi", "miles": "mi", "foot": "ft", "feet": "ft", "yard": "yd", "yards": "yd",
    "minute": "min", "minutes": "min", "mins": "min", "second": "s", "seconds": "s", "sec": "s", "secs": "s",
    "millisecond": "ms", "milliseconds": "ms", "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "day": "d", "days": "d",
    "kilogram": "kg", "kilograms": "kg", "kgs": "kg", "gram": "g", "grams": "g", "pound": "lb", "pounds": "lb", "lbs": "lb",
    "ounce": "oz", "ounces": "oz", "kph": "km/h", "kmh": "km/h", "km/hr": "km/h", "miles/h": "mph", "mi/h": "mph",
    "knot": "kn", "knots": "kn", "celsius": "C", "°c": "C", "c": "C", "fahrenheit": "F", "°f": "F", "f": "F", "kelvin": "K", "k": "K",
}


def canonical_unit(name: str) -> str:
    """The canonical spelling of a unit name (``"Miles"`` -> ``"mi"``); unknown names unchanged."""
    key = name.strip().lower()
    return ALIASES.get(key, key if key not in {"c", "f", "k"} else key.upper())


def quantity_of(unit: str) -> str | None:
    unit = canonical_unit(unit)
    if unit in TEMPERATURE_TO_C:
        return "temperature"
    return next((quantity for quantity, units in FACTORS.items() if unit in units), None)


def spellings(unit: str) -> list[str]:
    """Every lower-case spelling that means ``unit`` (for matching a unit column)."""
    unit = canonical_unit(unit)
    return sorted({unit.lower()} | {alias for alias, target in ALIASES.items() if target == unit})
