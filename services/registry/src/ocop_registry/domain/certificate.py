"""Certificate (giấy chứng nhận sản phẩm OCOP) and its lifecycle.

issued → (superseded by a renewal or an upgrade | revoked | expired). Valid 36 months: ``valid_until`` is
the same calendar day 36 months after ``issued_on`` (clamped to the month's end: issued 29/02/2024 →
valid until 28/02/2027).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from ocop_shared.errors import Conflict, DomainError

VALIDITY_MONTHS = 36
# Producers are warned this long before a certificate ends (time to file for re-evaluation).
EXPIRY_WARNING_DAYS = 90


class CertificateStatus(StrEnum):
    active = "active"
    superseded = "superseded"
    revoked = "revoked"
    expired = "expired"


class CertificateKind(StrEnum):
    issued = "issued"  # first recognition, or again after expiry/revocation
    renewed = "renewed"
    upgraded = "upgraded"


def add_months(d: date, months: int) -> date:
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    if not 1 <= year <= 9999:  # e.g. issued 9999-12-31: the calendar ends before the certificate would
        raise DomainError("invalid_date", f"Ngày {d.isoformat()} cộng {months} tháng vượt quá lịch (năm 9999)")
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def valid_until(issued_on: date) -> date:
    return add_months(issued_on, VALIDITY_MONTHS)


class Revocation(BaseModel):
    reason: str
    decision_no: str
    at: datetime


class CertificateFacts(BaseModel):
    """What a certificate states: the product and its producer, the evaluation and its stars, the decision and
    the validity (the certificate and its API answer both start with these)."""

    id: str
    product_id: str
    producer_id: str
    evaluation_id: str
    stars: int
    decision_no: str
    issued_on: date
    valid_until: date


class Certificate(CertificateFacts):
    status: CertificateStatus = CertificateStatus.active
    kind: CertificateKind = CertificateKind.issued
    criteria_version: str
    level: str
    previous_certificate_id: str | None = None
    superseded_by: str | None = None
    revocation: Revocation | None = None
    expired_at: datetime | None = None
    # Denormalised for reports: facts as they were when the certificate was issued.
    group: str
    province: dict
    commune: dict | None = None

    def require_active(self) -> None:
        if self.status is not CertificateStatus.active:
            raise Conflict("certificate_not_active", f"Giấy chứng nhận đang ở trạng thái '{self.status.value}'")

    def revoke(self, reason: str, decision_no: str, at: datetime) -> None:
        self.require_active()
        self.status = CertificateStatus.revoked
        self.revocation = Revocation(reason=reason, decision_no=decision_no, at=at)

    def supersede(self, by: str) -> None:
        self.require_active()
        self.status = CertificateStatus.superseded
        self.superseded_by = by

    def expire(self, today: date, at: datetime) -> None:
        self.require_active()
        if self.valid_until >= today:
            raise DomainError("not_due", "Giấy chứng nhận chưa hết hạn")
        self.status = CertificateStatus.expired
        self.expired_at = at

    def is_due(self, today: date) -> bool:
        return self.status is CertificateStatus.active and self.valid_until < today
