"""The net quantity (khối lượng tịnh / thể tích thực) of a unit of sale, read from the product's unit as the
registry records it ("hộp 200 g", "chai 500 ml", "túi 1 kg"). A unit without a quantity ("kg": sold by
weight) has none: the portal asks for a net quantity above 0 with its unit."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"g": "g", "gr": "g", "gam": "g", "kg": "kg", "mg": "mg", "tấn": "tấn", "ml": "ml", "l": "l", "lít": "l"}
_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|mg|ml|gam|gr|g|lít|l|tấn)(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class NetQuantity:
    value: float
    unit: str  # g, kg, mg, tấn, ml, l


def net_quantity(unit_of_sale: str | None) -> NetQuantity | None:
    """The last "<number> <unit>" in the text (a comma is a decimal mark: "1,5 kg"); None without one or at 0."""
    matches = _QUANTITY.findall(unit_of_sale or "")
    if not matches:
        return None
    number, unit = matches[-1]
    value = float(number.replace(",", "."))
    return NetQuantity(value, UNITS[unit.lower()]) if value > 0 else None
