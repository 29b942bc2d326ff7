"""How numbers read on the member's pages and in their digest: one rule, the ``num`` Jinja
filter of the web app's templates and of the digest's.

Reads: a number. Writes: its text. A whole number is written without a decimal point ("9",
never "9.0"); anything else with at most ``places`` decimals, trailing zeros dropped.
"""

from __future__ import annotations

from typing import Any

MISSING = "–"


def number(value: Any, places: int = 2) -> str:
    """``value`` as the member reads it: "9" for 9.0, "0.25" for 0.25, a dash for nothing."""
    if value is None or isinstance(value, bool):
        return MISSING if value is None else str(value)
    if not isinstance(value, int | float):
        return str(value)
    rounded = round(float(value), places)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.{places}f}".rstrip("0").rstrip(".")
