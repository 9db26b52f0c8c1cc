"""Request schemas of the traceability API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    # allow_inf_nan: Python's JSON parser reads NaN / Infinity / 1e999; no field of ours may hold them
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Certification(Strict):
    scheme: str = Field(min_length=2, max_length=40, description="VietGAP, GlobalGAP, organic, …")
    number: str | None = Field(default=None, max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None


def _unit(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class Unit(Strict):
    code: str | None = Field(default=None, max_length=10)
    name: str = Field(min_length=1, max_length=200)


class GrowingAreaIn(Strict):
    code: str = Field(min_length=4, max_length=60)
    name: str = Field(min_length=2, max_length=300)
    crop: str = Field(min_length=2, max_length=200)
    producer_id: str = Field(min_length=1, max_length=64)
    province: Unit
    commune: Unit | None = None
    area_ha: float = Field(gt=0, le=100_000)
    geometry: dict[str, Any]
    certifications: list[Certification] = Field(default_factory=list, max_length=20)

    _units = field_validator("province", "commune", mode="before")(_unit)


class PackingHouseIn(Strict):
    code: str = Field(min_length=4, max_length=60)
    name: str = Field(min_length=2, max_length=300)
    producer_id: str = Field(min_length=1, max_length=64)
    province: Unit
    commune: Unit | None = None

    _units = field_validator("province", "commune", mode="before")(_unit)


class BatchIn(Strict):
    product_id: str = Field(min_length=1, max_length=64)
    growing_area_code: str = Field(min_length=4, max_length=60)
    harvest_date: date
    quantity: float = Field(gt=0, le=1e9)
    unit: str = Field(min_length=1, max_length=30)
    lot: str | None = Field(default=None, max_length=20)
    packing_house_code: str | None = Field(default=None, max_length=60)


class TrailEventIn(Strict):
    """An EPCIS-style event on a batch (what, when, where)."""

    type: Literal["harvesting", "packing", "shipping", "receiving", "processing", "inspection"]
    time: datetime
    place: str = Field(min_length=2, max_length=300)
    note: str = Field(default="", max_length=2000)


class LabelLayoutIn(Strict):
    label_w_mm: float = Field(default=30, ge=20, le=100)
    label_h_mm: float = Field(default=30, ge=24, le=100)


class StampRunIn(Strict):
    count: int = Field(description="number of stamps (1 … OCOP_MAX_STAMPS_PER_RUN)")
    layout: LabelLayoutIn = Field(default_factory=LabelLayoutIn)


class SerialRangeIn(Strict):
    # bounded: the database stores 64-bit integers, a larger number would not even reach the query
    from_seq: int | None = Field(default=None, ge=1, le=2**31)
    to_seq: int | None = Field(default=None, ge=1, le=2**31)
    reason: str = Field(default="", max_length=500)
