"""Producer (chủ thể OCOP): the company, cooperative or household that owns OCOP products."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, Field, model_validator

from ocop_shared.addresses import CurrentUnits, RecordedAddress
from ocop_shared.errors import DomainError

if TYPE_CHECKING:
    from ocop_shared.admin_units import Placement


class ProducerKind(StrEnum):
    """Kinds of chủ thể. ``company`` covers CTCP, TNHH and DNTN (see ``legal_form``)."""

    company = "company"  # công ty cổ phần / TNHH / doanh nghiệp tư nhân
    cooperative = "cooperative"  # hợp tác xã (HTX)
    cooperative_group = "cooperative_group"  # tổ hợp tác
    household = "household"  # hộ sản xuất kinh doanh (HKD)


COMPANY_FORMS = ("CTCP", "TNHH", "DNTN")

# Mã số thuế: 10 digits (entity), 13 digits (dependent unit), or the branch form 0123456789-001.
TAX_CODE_PATTERN = r"^\d{10}(\d{3}|-\d{3})?$"
_TAX_CODE = re.compile(TAX_CODE_PATTERN)


class InvalidTaxCode(DomainError, code="invalid_tax_code"): ...


def normalize_tax_code(value: str) -> str:
    cleaned = value.strip().replace(" ", "")
    if not _TAX_CODE.match(cleaned):
        raise InvalidTaxCode(
            message=f"Mã số thuế không hợp lệ: '{value}' (10 hoặc 13 chữ số, hoặc dạng 0123456789-001)"
        )
    return cleaned


class Contact(BaseModel):
    """Private contact data: never in events, public pages or the public catalogue."""

    phone: str | None = None
    email: str | None = None
    representative: str | None = None


class Linkage(BaseModel):
    """A production-and-sales linkage (liên kết sản xuất và tiêu thụ) and its evidence: the contract or
    agreement that proves it (plans count producers "in linkages" only with one)."""

    partner: str = Field(min_length=2, max_length=300)
    evidence: str = Field(min_length=2, max_length=300)  # "Hợp đồng số 12/2024/HĐLK ngày 05/3/2024"
    since: date | None = None


class Producer(BaseModel):
    """Chủ thể. ``province`` and ``commune`` ({"code", "name"}) are today's units: scopes, reports, events and
    the other services read them. ``recorded`` is the address as written (perhaps in the units before the
    07/2025 reform) and ``current`` how it was placed in today's units (``pending_choice``: a split old
    commune waiting for an official). Records from before the conversion existed have neither, and may
    still carry their old units with a ``district`` (``ocop migrate admin-units`` converts them)."""

    id: str
    name: str
    kind: ProducerKind
    tax_code: str
    province: dict
    commune: dict | None
    address: str
    registered_at: datetime
    legal_form: str | None = None
    district: dict | None = None
    public_name: str | None = None
    contact: Contact = Field(default_factory=Contact)
    recorded: RecordedAddress | None = None
    current: CurrentUnits | None = None
    updated_at: datetime | None = None
    version: int = 1
    linkages: list[Linkage] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        self.tax_code = normalize_tax_code(self.tax_code)
        if not self.name.strip():
            raise DomainError("invalid_name", "Tên chủ thể không được để trống")
        if self.kind is ProducerKind.company and self.legal_form not in (None, *COMPANY_FORMS):
            raise DomainError(
                "invalid_legal_form", f"Loại hình doanh nghiệp phải là một trong {', '.join(COMPANY_FORMS)}"
            )
        self.public_name = (self.public_name or self.name).strip()
        return self

    @property
    def province_code(self) -> str | None:
        return self.province.get("code")

    @property
    def pending_choice(self) -> bool:
        """A split old commune: today's commune is for an official to choose."""
        return self.current is not None and self.current.pending

    def placed(self, placement: Placement) -> Self:
        """This producer at the address ``placement`` places (today's units, the written ones kept)."""
        return self.model_copy(
            update={
                "province": placement.province.model_dump(),
                "commune": placement.commune.model_dump() if placement.commune else None,
                "district": None,
                "recorded": placement.recorded,
                "current": placement.current,
            }
        )

    def with_changes(self, changes: Mapping[str, Any], at: datetime) -> Producer:
        """The producer with ``changes`` applied, its rules checked again, one version on."""
        return Producer.model_validate(
            self.model_dump() | dict(changes) | {"version": self.version + 1, "updated_at": at}
        )
