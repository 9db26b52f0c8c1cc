"""Traceability's copies of the registry's producers and products (chủ thể, sản phẩm), kept current by
registry events (event-carried state transfer, newest version wins). Public facts only: scan pages show
them to anyone."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from ocop_traceability.domain.places import Unit


class ProducerCopy(BaseModel):
    id: str
    public_name: str | None = None
    kind: str | None = None
    province: Unit | None = None
    commune: Unit | None = None
    version: int = 0
    updated_at: datetime | None = None

    @property
    def province_code(self) -> str | None:
        return self.province.code if self.province else None


class CertificateCopy(BaseModel):
    certificate_id: str
    product_id: str
    stars: int
    decision_no: str
    issued_on: date
    valid_until: date
    status: str  # active, revoked, expired, superseded
    criteria_version: str | None = None


class ProductCopy(BaseModel):
    id: str
    producer_id: str
    name: str = ""
    group: str | None = None
    gtin: str | None = None
    images: list[str] = Field(default_factory=list)
    unit: str | None = None
    description: str | None = None
    producer_public_name: str | None = None
    province: Unit | None = None
    certificate: CertificateCopy | None = None
    version: int = 0

    @property
    def printed_stars(self) -> int | None:
        """The stars a new stamp sheet shows: only while the certificate is in force."""
        cert = self.certificate
        return cert.stars if cert and cert.status == "active" else None
