"""Response schemas of the registry API (inputs are ``ocop_registry.app.inputs``, shared with the console)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ocop_registry.domain.certificate import CertificateFacts
from ocop_registry.domain.producer import Linkage, ProducerKind
from ocop_registry.domain.product import ProductGroup
from ocop_shared.addresses import CurrentUnits
from ocop_shared.events.models import AdminUnit, RecordedAddress


class ContactOut(BaseModel):
    phone: str | None = None
    email: str | None = None
    representative: str | None = None


class ProducerOut(BaseModel):
    id: str
    name: str
    public_name: str
    kind: ProducerKind
    legal_form: str | None
    tax_code: str
    province: AdminUnit
    district: AdminUnit | None
    commune: AdminUnit | None
    address: str
    contact: ContactOut | None
    recorded: RecordedAddress | None = Field(
        default=None, description="the administrative units as written (perhaps before the 07/2025 reform)"
    )
    current: CurrentUnits | None = Field(
        default=None,
        description="how they were placed in today's units (province and commune above are these); "
        "status pending_choice: a split old commune, an official chooses among candidates",
    )
    registered_at: datetime
    updated_at: datetime | None = None
    version: int
    linkages: list[Linkage] = Field(
        default_factory=list, description="production-and-sales linkages with their evidence (plans count them)"
    )


class CertificationOut(BaseModel):
    scheme: str
    number: str | None = None
    issuer: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class ProductOut(BaseModel):
    """A product as stored. Plain types, not the input rules: an answer never fails because a record was written
    before a rule existed (``ocop migrate products-repair`` brings such records in line)."""

    model_config = ConfigDict(extra="ignore")
    id: str
    producer_id: str
    name: str
    group: ProductGroup
    sub_group: str | None = None
    description: str = ""
    unit: str | None = None
    price_vnd: int | None = None
    images: list[str] = Field(default_factory=list)
    gtin: str | None = None
    certifications: list[CertificationOut] = Field(default_factory=list)
    created_at: datetime
    version: int
    certificate: dict | None = None
    listings: list[dict] = Field(
        default_factory=list,
        description="where the product is listed, as "
        "marketplace_sync reports it (platform, status, external_id, version, at)",
    )


class EvaluationOut(BaseModel):
    id: str
    product_id: str
    level: str
    criteria_version: str
    scores: dict[str, float]
    total: float
    stars: int
    evaluated_on: date
    certificate_id: str | None = None


class CertificateOut(CertificateFacts):
    model_config = ConfigDict(extra="ignore")
    status: str
    kind: str
    level: str
    criteria_version: str
    previous_certificate_id: str | None = None
    superseded_by: str | None = None
    revocation: dict | None = None
