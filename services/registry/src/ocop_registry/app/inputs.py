"""Validated input of the registry's use cases: the bodies of the API and the forms of the console are
checked by the same models (field limits, formats), so both obey the same rules. Commands (``commands.py``)
carry them with the ids of what they act on.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocop_registry.domain.certification import Decision
from ocop_registry.domain.producer import TAX_CODE_PATTERN, Linkage, ProducerKind
from ocop_registry.domain.product import (
    Certifications,
    Description,
    Gtin,
    Images,
    PackUnit,
    Price,
    ProductFacts,
    ProductGroup,
    ProductName,
    SubGroup,
)
from ocop_registry.domain.scoring import CriterionScore
from ocop_shared.addresses import AddressChange, AddressFields
from ocop_shared.text import Text
from ocop_shared.validation import RecordId, omitted_default


class Strict(BaseModel):
    # allow_inf_nan: Python's JSON parser reads NaN / Infinity / 1e999; no field of ours may hold them
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


def _kept(**kwargs: object) -> Any:
    """A PATCH field that may be left out (unchanged) but not sent as null."""
    return Field(default=None, json_schema_extra=omitted_default, **kwargs)  # type: ignore[call-overload]


class ContactIn(Strict):
    phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 .-]{6,20}$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    representative: Annotated[str, Text(min_length=0, max_length=200)] | None = None


ProducerName = Annotated[str, Text(min_length=2, max_length=300)]
TaxCode = Annotated[
    str,
    Field(
        min_length=10,
        max_length=20,
        description="mã số thuế: 10 or 13 digits, or the branch form 0123456789-001",
        json_schema_extra={"pattern": TAX_CODE_PATTERN},
    ),
]
Address = Annotated[str, Text(min_length=0, max_length=500)]
LegalForm = Annotated[str, Field(max_length=10)]


class ProducerIn(Strict, AddressFields):
    """A producer as registered. Its address units may be today's or those before the 07/2025 reform
    (``AddressFields``); they are placed in today's units and the written ones kept (``recorded``)."""

    name: ProducerName
    kind: ProducerKind
    legal_form: LegalForm | None = None
    tax_code: TaxCode
    address: Address = Field(default="", description="thôn/xóm, số nhà: the part below the commune")
    public_name: ProducerName | None = None
    contact: ContactIn | None = None
    linkages: list[Linkage] = Field(default_factory=list, max_length=50)


class ProducerPatch(Strict, AddressChange):
    """What an official corrects on a producer: only the fields sent change, checked as on registration.
    Address units sent replace the address (a missing province means the producer's province today);
    ``current_commune`` alone picks today's commune of a split old one."""

    name: ProducerName | None = None  # null: unchanged (legal_form and public_name: cleared)
    kind: ProducerKind | None = None
    legal_form: LegalForm | None = None
    tax_code: TaxCode | None = None
    address: Address | None = None
    public_name: ProducerName | None = None
    contact: ContactIn | None = None
    linkages: list[Linkage] | None = Field(default=None, max_length=50)


class ProductFields(Strict, ProductFacts):
    """A product's facts, with the value types of the entity (``ocop_registry.domain.product``)."""


class ProductIn(ProductFields):
    producer_id: RecordId


class ProductPatch(Strict):
    """The fields to change, each checked by the same value type as in POST: a refused PATCH changes nothing."""

    name: ProductName = _kept()
    group: ProductGroup = _kept()
    sub_group: SubGroup | None = None
    description: Description = _kept()
    unit: PackUnit | None = None
    price_vnd: Price | None = None
    images: Images = _kept()
    gtin: Gtin | None = None
    certifications: Certifications = _kept()


class EvaluationIn(Strict):
    level: str = Field(min_length=2, max_length=30, description="council level, e.g. commune, province, central")
    criteria_version: str = "QD148-2023"
    scores: dict[str, float] = Field(description="part scores, e.g. {A: 32, B: 18, C: 25}")
    detail: dict[str, list[CriterionScore]] | None = None
    evaluated_on: date


class DecisionIn(Strict):
    decision_no: Annotated[str, Text(min_length=3, max_length=100)] = Field(description="e.g. 1611/QĐ-UBND")
    issued_on: date

    @property
    def decision(self) -> Decision:
        return Decision(self.decision_no, self.issued_on)


class ReplaceIn(DecisionIn):
    evaluation_id: RecordId


class RevokeIn(Strict):
    reason: Annotated[str, Text(min_length=3, max_length=2000, multiline=True)]
    decision_no: Annotated[str, Text(min_length=3, max_length=100)]


class UserIn(Strict):
    username: str = Field(
        min_length=3,
        max_length=40,
        description="a-z, 0-9, '.', '-', '_' (stored in lower case)",
        json_schema_extra={"pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$"},
    )
    password: str = Field(min_length=8, max_length=200)
    role: Literal["official", "producer", "operator", "council_member"]
    producer_id: RecordId | None = Field(
        default=None, description="a producer account's producer; a council member's affiliation"
    )
    provinces: list[str] = Field(default_factory=list, max_length=70)
    display_name: Annotated[str, Text(min_length=0, max_length=200)] | None = None
    replace: bool = False


class TargetIn(Strict):
    unit: str = Field(min_length=1, max_length=200, description="as the plan writes it: 'Huyện Chợ Đồn', 'Toàn tỉnh'")
    values: dict[str, int | None] = Field(max_length=30, description="indicator key → target (null: none set)")

    @field_validator("values")
    @classmethod
    def _counts(cls, values: dict[str, int | None]) -> dict[str, int | None]:
        if any(v is not None and not 0 <= v <= 100_000 for v in values.values()):
            raise ValueError("a target is a count from 0 to 100000")
        return values


class PlanIn(Strict):
    """A plan as issued: number, year, issuing body, the province its units lie in (as written: 'Bắc Kạn'),
    the indicators it sets (keys of the configuration) and its target rows."""

    number: str = Field(min_length=1, max_length=60)
    year: int = Field(ge=2018, le=2100)
    issuer: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=300)
    issued_on: date | None = None
    province: str = Field(min_length=1, max_length=100)
    unit_scheme: Literal["legacy", "current"] | None = None  # default: legacy for plans issued before 07/2025
    indicators: list[str] = Field(min_length=1, max_length=30)
    targets: list[TargetIn] = Field(min_length=1, max_length=500)
