"""Batches (lô hàng) and their trail: EPCIS-style events (what, when, where) appended, never edited.

Lot codes (mã lô) are unique per product; when the producer gives none, one is generated from the
harvest date: ``YYMMDD-n`` with the smallest free ``n``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from ocop_traceability.domain.errors import DuplicateLot, ForeignArea, PackingHouseNotFound
from ocop_traceability.domain.places import GrowingArea, PackingHouse

TrailEventType = Literal["harvesting", "packing", "shipping", "receiving", "processing", "inspection"]
# A stored trail event may also be ``other``: an event a partner captured through EPCIS with no step of ours.
TrailEventKind = Literal["harvesting", "packing", "shipping", "receiving", "processing", "inspection", "other"]
# The steps of a batch's journey as producers and consumers read them (console and scan page).
EVENT_NAMES: dict[str, str] = {
    "harvesting": "Thu hoạch",
    "processing": "Chế biến",
    "packing": "Đóng gói",
    "shipping": "Xuất hàng",
    "receiving": "Nhận hàng",
    "inspection": "Kiểm tra",
}
# What a trail line shows: the steps above, and ``other`` (an event a partner captured through EPCIS).
TRAIL_NAMES: dict[str, str] = {**EVENT_NAMES, "other": "Sự kiện khác"}
MAX_GENERATED_LOTS = 49  # per product and harvest day


class Batch(BaseModel):
    id: str
    product_id: str
    producer_id: str
    growing_area_code: str
    packing_house_code: str | None = None
    harvest_date: date
    quantity: float
    unit: str
    lot: str
    created_at: datetime

    @property
    def lot_key(self) -> str:
        """What the unique index holds: a lot is unique per product."""
        return f"{self.product_id}:{self.lot}"


class TrailEvent(BaseModel):
    id: str
    batch_id: str
    type: TrailEventKind
    time: datetime  # as entered, with its offset (Vietnam's local time from the console)
    place: str
    note: str = ""
    recorded_at: datetime
    recorded_by: str | None = None  # the account: kept, never shown publicly
    epcis_event_id: str | None = None  # the EPCIS event it is (ours: computed when recorded; or captured)
    captured: bool = False  # recorded by a partner through EPCIS capture, not entered here


def check_same_producer(producer_id: str, area: GrowingArea, house_code: str, house: PackingHouse | None) -> None:
    """A batch's growing area (and packing house, if one is named) belong to its product's producer."""
    if area.producer_id != producer_id:
        raise ForeignArea()
    if house_code and (house is None or house.producer_id != producer_id):
        raise PackingHouseNotFound()


def generated_lot(harvest_date: date, taken: set[str]) -> str:
    """The first ``YYMMDD-n`` not already a lot of the product."""
    for n in range(1, MAX_GENERATED_LOTS + 1):
        candidate = f"{harvest_date:%y%m%d}-{n}"
        if candidate not in taken:
            return candidate
    raise DuplicateLot()
