"""The inputs of national_sync's use cases (events, API bodies and console forms become these)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusQuery:
    product_id: str | None = None  # None: every product the caller may see


@dataclass(frozen=True)
class Resync:
    """Push the product (or all) to the portal again (after fixing its data, or the portal lost it)."""

    product_id: str | None = None
