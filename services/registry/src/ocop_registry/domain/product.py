"""Product (sản phẩm OCOP) and its validation rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from ocop_shared.errors import DomainError
from ocop_shared.events.recording import Recorded


class ProductGroup(StrEnum):
    """The six groups of QĐ 148/QĐ-TTg (24/02/2023)."""

    food = "food"  # thực phẩm
    beverage = "beverage"  # đồ uống
    herbal = "herbal"  # dược liệu và sản phẩm từ dược liệu
    handicraft = "handicraft"  # hàng thủ công mỹ nghệ
    ornamental = "ornamental"  # sinh vật cảnh
    tourism = "tourism"  # dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch


QUALITY_SCHEMES = ("VietGAP", "GlobalGAP", "organic", "HACCP", "ISO 22000", "ISO 9001", "FSSC 22000", "other")


class InvalidGtin(DomainError, code="invalid_gtin"): ...


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """Accept GTIN-8/12/13/14 with a correct check digit; returned as given (digits only)."""
    digits = value.strip().replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidGtin(message=f"GTIN '{value}' phải gồm 8, 12, 13 hoặc 14 chữ số")
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise InvalidGtin(
            message=f"GTIN '{value}' sai số kiểm tra (check digit phải là {gtin_check_digit(digits[:-1])})"
        )
    return digits


class QualityCertification(BaseModel):
    """A quality/food-safety certificate the product holds (VietGAP, HACCP, ISO 22000…)."""

    scheme: str = Field(min_length=2, max_length=40)
    number: str | None = Field(default=None, max_length=100)
    issuer: str | None = Field(default=None, max_length=200)
    valid_from: date | None = None
    valid_until: date | None = None

    @field_validator("scheme")
    @classmethod
    def known_scheme(cls, v: str) -> str:
        for scheme in QUALITY_SCHEMES:
            if v.strip().lower() == scheme.lower():
                return scheme
        raise ValueError(f"scheme must be one of {', '.join(QUALITY_SCHEMES)}")

    @model_validator(mode="after")
    def dates_in_order(self) -> QualityCertification:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class Product(BaseModel):
    id: str
    producer_id: str
    name: str = Field(min_length=2, max_length=300)
    group: ProductGroup
    sub_group: str | None = None
    description: str = ""
    unit: str | None = None
    price_vnd: int | None = Field(default=None, ge=0)
    images: list[str] = Field(default_factory=list)
    gtin: str | None = None
    certifications: list[QualityCertification] = Field(default_factory=list)
    created_at: datetime
    version: int = 1
    current_certificate_id: str | None = None
    # Events of this product's certification (issued, renewed…), written to the outbox at commit.
    events: list[Recorded] = Field(default_factory=list, exclude=True)

    @field_validator("gtin")
    @classmethod
    def _valid_gtin(cls, gtin: str | None) -> str | None:
        return normalize_gtin(gtin) if gtin else gtin

    def with_changes(self, changes: Mapping[str, Any]) -> Product:
        """The product with ``changes`` applied, its rules checked again on the result, one version on."""
        return Product.model_validate(self.model_dump() | dict(changes) | {"version": self.version + 1})

    @property
    def natural_key(self) -> str:
        return product_key(self.producer_id, self.name)


def product_key(producer_id: str, name: str) -> str:
    """A producer cannot have two products of the same name (imports use it to stay idempotent)."""
    return f"{producer_id}:{' '.join(name.lower().split())}"
