"""What callers ask of traceability. The pydantic models validate input at the edge, for the API (they are
its OpenAPI request schemas) and the console alike; the dataclasses add the record a request is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, field_validator

from ocop_shared.addresses import AddressFields
from ocop_shared.events.models import CertificateSnapshot, ProducerSnapshot, ProductSnapshot
from ocop_shared.text import Text
from ocop_shared.validation import RecordId
from ocop_traceability.domain.batches import TrailEventType
from ocop_traceability.domain.codes import LOT_PATTERN, PACKING_HOUSE_SCHEMES
from ocop_traceability.domain.places import Certification, Gln, Strict, gln_of
from ocop_traceability.domain.stamps import SerialRange, StampState

Name = Annotated[str, Text(min_length=2, max_length=300)]


class PlaceIn(Strict, AddressFields):
    """A place's code, name and producer, and its address units: today's or those before the 07/2025 reform
    (checked, placed in today's units, the written ones kept)."""

    code: str = Field(min_length=4, max_length=60)
    name: Name
    producer_id: RecordId
    gln: Gln | None = None

    _gln = field_validator("gln")(gln_of)

    def facts(self) -> dict[str, Any]:
        """The fields a place record keeps as they are (the address units are placed first)."""
        return self.model_dump(exclude={"code", "province", "district", "commune", "current_commune", "unit_scheme"})


class GrowingAreaIn(PlaceIn):
    code: str = Field(min_length=4, max_length=60, description="one of the configured schemes (the pattern)")
    crop: Annotated[str, Text(min_length=2, max_length=200)]
    area_ha: float = Field(gt=0, le=100_000)
    geometry: dict[str, Any]
    certifications: list[Certification] = Field(default_factory=list, max_length=20)


class PackingHouseIn(PlaceIn):
    code: str = Field(
        min_length=4, max_length=60, json_schema_extra={"pattern": PACKING_HOUSE_SCHEMES["packing_house"]}
    )


class BatchIn(Strict):
    product_id: RecordId
    growing_area_code: str = Field(min_length=4, max_length=60)
    harvest_date: date
    quantity: float = Field(gt=0, le=1e9)
    unit: Annotated[str, Text(min_length=1, max_length=30)]
    lot: str | None = Field(default=None, max_length=20, json_schema_extra={"pattern": LOT_PATTERN})
    packing_house_code: str | None = Field(default=None, max_length=60)


class TrailEventIn(Strict):
    """An EPCIS-style event on a batch (what, when, where)."""

    type: TrailEventType
    time: datetime
    place: Name
    note: Annotated[str, Text(min_length=0, max_length=2000, multiline=True)] = ""


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
    reason: Annotated[str, Text(min_length=0, max_length=500, multiline=True)] = ""


@dataclass(frozen=True)
class AppendTrailEvent:
    batch_id: str
    event: TrailEventIn


@dataclass(frozen=True)
class OrderStampRun:
    batch_id: str
    count: int
    layout: dict[str, float]


@dataclass(frozen=True)
class ChangeStamps:
    """Activate or void the stamps of a run, or of a range of its serial numbers."""

    run_id: str
    target: StampState
    serials: SerialRange = field(default_factory=SerialRange)


@dataclass(frozen=True)
class CopyProducer:
    producer: ProducerSnapshot
    version: int


@dataclass(frozen=True)
class CopyProduct:
    product: ProductSnapshot
    version: int
    certificate: CertificateSnapshot | None = None  # certificate events carry the product too
