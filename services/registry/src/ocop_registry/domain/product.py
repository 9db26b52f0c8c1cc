"""Product (sản phẩm OCOP) and its validation rules: each field's value type is declared here once and used by
the entity, the API bodies (POST and PATCH), the imports and the console forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from ocop_shared.errors import DomainError
from ocop_shared.events.recording import Recorded
from ocop_shared.text import Text
from ocop_shared.validation import TRUSTED, Checked, IsoDate, rules, trusted


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
    """Accept GTIN-8/12/13/14 with a correct check digit; returned as given (digits only, spaces dropped)."""
    digits = value.strip().replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidGtin(message=f"GTIN '{value}' phải gồm 8, 12, 13 hoặc 14 chữ số")
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise InvalidGtin(
            message=f"GTIN '{value}' sai số kiểm tra (check digit phải là {gtin_check_digit(digits[:-1])})"
        )
    return digits


def known_scheme(value: str) -> str:
    """A quality scheme by its name in any case ("vietgap" is VietGAP)."""
    for scheme in QUALITY_SCHEMES:
        if value.strip().lower() == scheme.lower():
            return scheme
    raise ValueError(f"scheme must be one of {', '.join(QUALITY_SCHEMES)}")


IMAGE_URL = r"^https?://[^\x00-\x20\x7f-\x9f\u202a-\u202e\u2066-\u2069]+$"


def image_url(url: str) -> str:
    if not re.fullmatch(IMAGE_URL, url) or len(url) > 1000:
        raise ValueError(f"image must be an http(s) URL without spaces: {url[:80]}")
    return url


ProductName = Annotated[str, Text(min_length=2, max_length=300)]
SubGroup = Annotated[str, Text(min_length=0, max_length=200)]
Description = Annotated[str, Text(min_length=0, max_length=5000, multiline=True)]
PackUnit = Annotated[str, Text(min_length=0, max_length=50)]  # quy cách: "hộp 200 g"
Price = Annotated[int, Field(ge=0, le=1_000_000_000)]  # đồng
ImageUrl = Annotated[str, Checked(image_url, {"pattern": IMAGE_URL, "maxLength": 1000})]
Images = Annotated[list[ImageUrl], Field(max_length=20)]
Gtin = Annotated[
    str,
    Checked(
        lambda value: normalize_gtin(value) if value else value,  # "" stands for no GTIN, as null does
        {
            "pattern": r"^(?:\d{8}|\d{12,14})?$",
            "format": "gtin",
            **rules(("invalid_gtin", "GS1 check digit (the last digit; format gtin)")),
        },
    ),
]
Scheme = Annotated[str, Checked(known_scheme, {"enum": list(QUALITY_SCHEMES)})]


class QualityCertification(BaseModel):
    """A quality/food-safety certificate the product holds (VietGAP, HACCP, ISO 22000…)."""

    model_config = {"json_schema_extra": rules(("dates_out_of_order", "valid_until is not before valid_from"))}

    scheme: Scheme
    number: Annotated[str, Text(min_length=0, max_length=100)] | None = None
    issuer: Annotated[str, Text(min_length=0, max_length=200)] | None = None
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None

    @model_validator(mode="after")
    def dates_in_order(self, info: ValidationInfo) -> QualityCertification:
        if not trusted(info) and self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise PydanticCustomError("dates_out_of_order", "Ngày hết hiệu lực trước ngày hiệu lực")
        return self


Certifications = Annotated[list[QualityCertification], Field(max_length=20)]


class ProductFacts(BaseModel):
    """What a product is, as a person states it (the API's POST body and the entity share these)."""

    name: ProductName
    group: ProductGroup
    sub_group: SubGroup | None = None
    description: Description = ""
    unit: PackUnit | None = None
    price_vnd: Price | None = None
    images: Images = Field(default_factory=list)
    gtin: Gtin | None = None
    certifications: Certifications = Field(default_factory=list)


class Product(ProductFacts):
    id: str
    producer_id: str
    created_at: datetime
    version: int = 1
    current_certificate_id: str | None = None
    # Events of this product's certification (issued, renewed…), written to the outbox at commit.
    events: list[Recorded] = Field(default_factory=list, exclude=True)

    def with_changes(self, changes: Mapping[str, Any]) -> Product:
        """The product with ``changes`` applied, one version on. The changes were checked where they came in (the
        same value types); the fields left alone are taken as stored."""
        return Product.model_validate(
            self.model_dump() | dict(changes) | {"version": self.version + 1}, context=TRUSTED
        )

    @property
    def natural_key(self) -> str:
        return product_key(self.producer_id, self.name)


def product_key(producer_id: str, name: str) -> str:
    """A producer cannot have two products of the same name (imports use it to stay idempotent)."""
    return f"{producer_id}:{' '.join(name.lower().split())}"
