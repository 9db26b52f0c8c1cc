"""Payload models of every event (the ``data`` of a CloudEvent), version 1.

Rules for v1 models: only add optional fields. Removing, renaming or retyping a field, or adding a
required one, is a breaking change and needs a v2 type; ``tests/test_schema_compat.py`` enforces it
against the JSON Schemas exported under ``shared/schemas/v1``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProductGroup = Literal["food", "beverage", "herbal", "handicraft", "ornamental", "tourism"]
CertificateStatus = Literal["active", "superseded", "revoked", "expired"]
Platform = str  # "voso", "postmart", ... (open set: a new adapter adds a platform)


class _Payload(BaseModel):
    # Consumers ignore fields they do not know (forward compatibility with additive changes).
    model_config = ConfigDict(extra="ignore")


class AdminUnit(_Payload):
    """An administrative unit as recorded: GSO code and the name valid at the time."""

    code: str | None = None
    name: str


class RecordedUnit(_Payload):
    """A unit as the source wrote it (``given``) and, once found, its code and official name in the list it
    was written from."""

    given: str
    code: str | None = None
    name: str | None = None


class RecordedAddress(_Payload):
    """The administrative units of an address as recorded: from today's list (``current``: since the 07/2025
    reform) or from the one before it (``legacy``: 63 provinces, districts, communes). ``match`` says how the
    commune was found (code, exact, folded: without diacritics, alias: a former name, current: today's name)."""

    scheme: Literal["current", "legacy"]
    province: RecordedUnit
    district: RecordedUnit | None = None
    commune: RecordedUnit | None = None
    match: str | None = None


class ProducerSnapshot(_Payload):
    """Public facts about a producer (chủ thể). No tax code, phone or address: those stay private.

    ``province`` and ``commune`` are today's units (``commune`` is None while an official has still to
    choose which commune a split old one became); ``recorded`` is the address as it was written, e.g. a
    pre-07/2025 province, district and commune. ``district`` is only set on records from before the
    conversion existed (it is part of ``recorded`` now)."""

    producer_id: str
    name: str
    public_name: str
    kind: str
    province: AdminUnit
    commune: AdminUnit | None = None
    district: AdminUnit | None = None
    recorded: RecordedAddress | None = None


class ProducerRegistered(_Payload):
    producer: ProducerSnapshot
    version: int = Field(ge=1)
    registered_at: datetime


class ProducerUpdated(_Payload):
    producer: ProducerSnapshot
    version: int = Field(ge=1)
    updated_at: datetime


class ProductSnapshot(_Payload):
    """What traceability and marketplace_sync need to show or list a product."""

    product_id: str
    producer_id: str
    name: str
    group: ProductGroup
    sub_group: str | None = None
    description: str = ""
    price_vnd: int | None = Field(default=None, ge=0)
    unit: str | None = None
    images: list[str] = Field(default_factory=list)
    gtin: str | None = None
    producer_public_name: str
    province: AdminUnit


class ProductRegistered(_Payload):
    product: ProductSnapshot
    version: int = Field(ge=1)


class ProductUpdated(_Payload):
    product: ProductSnapshot
    version: int = Field(ge=1)


class CertificateSnapshot(_Payload):
    certificate_id: str
    product_id: str
    stars: int = Field(ge=1, le=5)
    decision_no: str
    issued_on: date
    valid_until: date
    status: CertificateStatus
    criteria_version: str | None = None


class _CertificateEvent(_Payload):
    certificate: CertificateSnapshot
    product: ProductSnapshot
    # Per-product version, strictly increasing: a consumer ignores an event older than what it holds.
    version: int = Field(ge=1)


class CertificateIssued(_CertificateEvent):
    pass


class CertificateRenewed(_CertificateEvent):
    previous_certificate_id: str


class CertificateUpgraded(_CertificateEvent):
    previous_certificate_id: str
    previous_stars: int = Field(ge=1, le=5)


class CertificateRevoked(_CertificateEvent):
    reason: str
    decision_no: str


class CertificateExpired(_CertificateEvent):
    pass


class StampRunIssued(_Payload):
    run_id: str
    batch_id: str
    product_id: str
    producer_id: str
    count: int = Field(ge=1)
    issued_at: datetime


class _ListingEvent(_Payload):
    product_id: str
    platform: Platform
    version: int = Field(ge=0)


class ListingPublished(_ListingEvent):
    external_id: str


class ListingFailed(_ListingEvent):
    reason: str


class ListingDelisted(_ListingEvent):
    external_id: str | None = None
    reason: str


DossierStatus = Literal["draft", "submitted", "returned", "resubmitted", "accepted", "evaluated", "decided"]
DossierKind = Literal["new", "renewal", "upgrade"]


class DossierSnapshot(_Payload):
    """A product's evaluation dossier (hồ sơ đánh giá, phân hạng) as other services may know it: no form text,
    no evidence, no reviewer's comment."""

    dossier_id: str
    product_id: str
    producer_id: str
    cycle_year: int
    kind: DossierKind
    group: ProductGroup
    criteria_version: str
    status: DossierStatus
    province: AdminUnit | None = None


class _DossierEvent(_Payload):
    dossier: DossierSnapshot
    previous_status: DossierStatus | None = None
    # Per-dossier version, strictly increasing (each transition moves it one on).
    version: int = Field(ge=1)
    at: datetime


class DossierCreated(_DossierEvent):
    pass


class DossierSubmitted(_DossierEvent):
    evidence_count: int = Field(default=0, ge=0)


class DossierReturned(_DossierEvent):
    items: int = Field(default=0, ge=0, description="how many items the official commented on")


class DossierResubmitted(_DossierEvent):
    evidence_count: int = Field(default=0, ge=0)


class DossierAccepted(_DossierEvent):
    pass


class DossierEvaluated(_DossierEvent):
    council_id: str
    level: str
    total: float
    stars: int = Field(ge=1, le=5)
    members: int = Field(ge=1, description="how many members' scores were averaged")


class DossierDecided(_DossierEvent):
    decision_no: str
    decided_on: date
    stars: int = Field(ge=1, le=5)
    recognised: bool
    certificate_id: str | None = None
    reason: str | None = Field(default=None, description="why no certificate was issued, when none was")


class SessionRevoked(_Payload):
    """Console sessions that ended: one (sign-out) or every session of the account signed in before
    ``revoked_at`` (password changed). Every service refuses them from then on."""

    username: str
    session_id: str | None = None  # None: every session of the account issued before revoked_at
    revoked_at: datetime
    reason: Literal["logout", "password_changed", "account_changed"]
    valid_until: datetime  # the sessions it covers have all expired by then: the revocation may be forgotten


REGISTRY = "ocop.registry.v1"
TRACEABILITY = "ocop.traceability.v1"
MARKETPLACE = "ocop.marketplace.v1"
TOPICS = (REGISTRY, TRACEABILITY, MARKETPLACE)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


# CloudEvents type → (topic, payload model). The single list of what flows on the backbone.
EVENT_TYPES: dict[str, tuple[str, type[_Payload]]] = {
    "vn.ocop.registry.producer.registered.v1": (REGISTRY, ProducerRegistered),
    "vn.ocop.registry.producer.updated.v1": (REGISTRY, ProducerUpdated),
    "vn.ocop.registry.product.registered.v1": (REGISTRY, ProductRegistered),
    "vn.ocop.registry.product.updated.v1": (REGISTRY, ProductUpdated),
    "vn.ocop.registry.certificate.issued.v1": (REGISTRY, CertificateIssued),
    "vn.ocop.registry.certificate.renewed.v1": (REGISTRY, CertificateRenewed),
    "vn.ocop.registry.certificate.upgraded.v1": (REGISTRY, CertificateUpgraded),
    "vn.ocop.registry.certificate.revoked.v1": (REGISTRY, CertificateRevoked),
    "vn.ocop.registry.certificate.expired.v1": (REGISTRY, CertificateExpired),
    "vn.ocop.registry.dossier.created.v1": (REGISTRY, DossierCreated),
    "vn.ocop.registry.dossier.submitted.v1": (REGISTRY, DossierSubmitted),
    "vn.ocop.registry.dossier.returned.v1": (REGISTRY, DossierReturned),
    "vn.ocop.registry.dossier.resubmitted.v1": (REGISTRY, DossierResubmitted),
    "vn.ocop.registry.dossier.accepted.v1": (REGISTRY, DossierAccepted),
    "vn.ocop.registry.dossier.evaluated.v1": (REGISTRY, DossierEvaluated),
    "vn.ocop.registry.dossier.decided.v1": (REGISTRY, DossierDecided),
    "vn.ocop.registry.user.session_revoked.v1": (REGISTRY, SessionRevoked),
    "vn.ocop.traceability.stamp_run.issued.v1": (TRACEABILITY, StampRunIssued),
    "vn.ocop.marketplace.listing.published.v1": (MARKETPLACE, ListingPublished),
    "vn.ocop.marketplace.listing.failed.v1": (MARKETPLACE, ListingFailed),
    "vn.ocop.marketplace.listing.delisted.v1": (MARKETPLACE, ListingDelisted),
}

TYPE_OF: dict[type[BaseModel], str] = {model: type_ for type_, (_topic, model) in EVENT_TYPES.items()}
