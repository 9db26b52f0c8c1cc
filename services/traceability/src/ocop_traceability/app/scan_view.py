"""The public scan page's read model: what a consumer sees of a stamp. Public facts only — no phone, tax
code or household address, and nobody's account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.codes import display_serial
from ocop_traceability.domain.copies import CertificateCopy, ProducerCopy, ProductCopy
from ocop_traceability.domain.places import GrowingArea
from ocop_traceability.domain.stamps import Stamp
from ocop_traceability.domain.verdict import verdict_of


@dataclass
class BatchParts:
    """Everything a scan shows besides the stamp, shared by the batch's stamps (cached per batch). Their
    public view is built once per load, not per scan (the hot path only adds the stamp and the verdict)."""

    batch: Batch | None = None
    area: GrowingArea | None = None
    product: ProductCopy | None = None
    producer: ProducerCopy | None = None
    events: list[TrailEvent] = field(default_factory=list)
    listings: list[dict[str, str]] = field(default_factory=list)  # where to buy: {platform, url} while published
    shown: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.shown = _public_parts(self)

    @property
    def certificate(self) -> CertificateCopy | None:
        return self.product.certificate if self.product else None


def unknown_view() -> dict[str, Any]:
    return {
        "verdict": "unknown",
        "product": None,
        "producer": None,
        "certificate": None,
        "growing_area": None,
        "batch": None,
        "events": [],
        "stamp": None,
    }


def public_view(
    stamp: Stamp, parts: BatchParts, today: date, *, clone_reason: str | None, scans: dict[str, Any]
) -> dict[str, Any]:
    return {
        "verdict": verdict_of(stamp.state, parts.certificate, today, clone_reason),
        "stamp": {
            "code": display_serial(stamp.id),
            "state": stamp.state,
            "scans": scans,
            "clone_warning": clone_reason,
        },
        **parts.shown,
    }


def _public_parts(parts: BatchParts) -> dict[str, Any]:
    product, producer, area, batch, cert = parts.product, parts.producer, parts.area, parts.batch, parts.certificate
    return {
        "product": {
            "id": product.id,
            "name": product.name,
            "group": product.group,
            "images": product.images,
            "unit": product.unit,
            "gtin": product.gtin,
            "description": product.description,
        }
        if product
        else None,
        "producer": {
            "name": producer.public_name,
            "commune": producer.commune.name if producer.commune else None,
            "province": producer.province.name if producer.province else None,
        }
        if producer
        else None,
        "certificate": {
            "stars": cert.stars,
            "decision_no": cert.decision_no,
            "issued_on": cert.issued_on.isoformat(),
            "valid_until": cert.valid_until.isoformat(),
            "status": cert.status,
        }
        if cert
        else None,
        "growing_area": {
            "code": area.code,
            "name": area.name,
            "crop": area.crop,
            "commune": area.commune.name if area.commune else None,
            "province": area.province.name,
            "geometry": area.geometry,
        }
        if area
        else None,
        "batch": {
            "lot": batch.lot,
            "harvest_date": batch.harvest_date.isoformat(),
            "quantity": batch.quantity,
            "unit": batch.unit,
        }
        if batch
        else None,
        "events": [
            {"type": e.type, "time": e.time.isoformat(), "place": e.place, "note": e.note} for e in parts.events
        ],
        # the product's live listings (marketplace events), while its certificate is active
        "where_to_buy": [dict(x) for x in parts.listings] if cert and cert.status == "active" else [],
    }
