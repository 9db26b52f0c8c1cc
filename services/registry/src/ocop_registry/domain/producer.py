"""Producer (chủ thể OCOP): the company, cooperative or household that owns OCOP products."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, Field, model_validator

from ocop_shared.errors import DomainError


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


class Producer(BaseModel):
    id: str
    name: str
    kind: ProducerKind
    tax_code: str
    province: dict  # {"code": str | None, "name": str} as valid when recorded
    commune: dict | None
    address: str
    registered_at: datetime
    legal_form: str | None = None
    district: dict | None = None
    public_name: str | None = None
    contact: Contact = Field(default_factory=Contact)
    version: int = 1

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
