"""A product's record on the national traceability portal: what the registry and traceability told us
(event-carried state) and what we last achieved on the portal.

Every change the events bring raises ``revision`` and marks the record ``due``; the worker decides what the
portal should hold (:func:`plan`), talks to it outside any transaction, and keeps its outcome only while the
revision is still the one it worked from (compare-and-set): a change during the call is pushed next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ocop_national_sync.domain.net_quantity import NetQuantity, net_quantity
from ocop_national_sync.domain.readiness import Missing, missing_items

Status = Literal["not_ready", "pending", "published", "withdrawn", "failed"]
ERROR_KEPT = 500


class Organisation(BaseModel):
    """The producer (chủ thể) as the portal registers it (tổ chức), from registry events."""

    id: str  # our producer id
    name: str
    public_name: str
    kind: str
    tax_code: str | None = None
    province: dict[str, Any]
    commune: dict[str, Any] | None = None
    version: int = 0
    portal_id: str | None = None  # the portal's idToChucHoSo
    activated: bool = False  # the portal accepts its products only once it activated the organisation

    @property
    def address(self) -> str:
        """The public address: commune and province (a household's street address stays private)."""
        parts = [(self.commune or {}).get("name"), self.province.get("name")]
        return ", ".join(p for p in parts if p)


class Stage(BaseModel):
    """One stage of a batch's journey with the trace codes of its EPCIS event."""

    trail_event_id: str
    batch_id: str
    lot: str
    stage: str
    time: datetime
    place: str = ""
    epcis_event_id: str
    product_trace_code: str
    location_trace_code: str | None = None
    location_kind: str | None = None
    location_code: str | None = None
    location_name: str | None = None


class PortalRecord(BaseModel):
    id: str  # our product id
    producer_id: str | None = None
    product: dict[str, Any] | None = None  # the ProductSnapshot, as the last newer event carried it
    product_version: int = 0
    certificate: dict[str, Any] | None = None  # the CertificateSnapshot of the last certificate event
    certificate_version: int = 0
    stamp_runs: list[str] = Field(default_factory=list)
    stamps: int = 0
    stages: dict[str, Stage] = Field(default_factory=dict)  # by trail event id
    revision: int = 0
    state: Literal["due", "done"] = "due"
    status: Status = "not_ready"
    missing: list[str] = Field(default_factory=list)
    portal_id: str | None = None  # the portal's idSanPham
    on_portal: bool = False  # published there now (not withdrawn)
    pushed: list[str] = Field(default_factory=list)  # EPCIS event ids the portal holds
    last_error: str | None = None
    last_synced_at: datetime | None = None
    next_attempt_at: datetime | None = None
    attempts: int = 0
    traceparent: str | None = None

    @property
    def certified(self) -> bool:
        return (self.certificate or {}).get("status") == "active"

    @property
    def name(self) -> str:
        return (self.product or {}).get("name", "")

    def readiness(self, organisation: Organisation | None) -> list[Missing]:
        product = self.product or {}
        return missing_items(
            producer_known=organisation is not None,
            tax_code=organisation.tax_code if organisation else None,
            gtin=product.get("gtin"),
            images=list(product.get("images") or []),
            unit=product.get("unit"),
            stamps=self.stamps,
            stages=len(self.stages),
        )

    def is_due(self, now: datetime) -> bool:
        return self.state == "due" and (self.next_attempt_at is None or self.next_attempt_at <= now)

    def stages_to_push(self) -> list[Stage]:
        done = set(self.pushed)
        return sorted((s for s in self.stages.values() if s.epcis_event_id not in done), key=lambda s: s.time)

    @property
    def net(self) -> NetQuantity | None:
        return net_quantity((self.product or {}).get("unit"))


@dataclass(frozen=True)
class Publish:
    record: PortalRecord
    organisation: Organisation


@dataclass(frozen=True)
class Withdraw:
    record: PortalRecord
    reason: str


@dataclass(frozen=True)
class NotReady:
    record: PortalRecord
    missing: list[Missing] = field(default_factory=list)


Plan = Publish | Withdraw | NotReady


def plan(record: PortalRecord, organisation: Organisation | None) -> Plan:
    """What the portal should hold for the product now.

    Not certified (never, or revoked / expired): withdrawn if it is there, else not ready. Certified with
    something missing: not ready (what was published stays as it was until the data is fixed). Else publish.
    """
    if not record.certified:
        status = (record.certificate or {}).get("status")
        if record.on_portal or record.portal_id:
            return Withdraw(record, f"certificate {status or 'missing'}")
        return NotReady(record, [Missing("not_certified")])
    missing = record.readiness(organisation)
    if missing or organisation is None:
        return NotReady(record, missing)
    return Publish(record, organisation)


@dataclass(frozen=True)
class Outcome:
    """What one push achieved, for the revision it worked from."""

    record_id: str
    revision: int
    status: Status
    at: datetime
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    on_portal: bool | None = None  # None: unchanged
    reached_portal: bool = False  # the portal was called (publish, withdraw or a refusal): an event is due
