"""Validated input of the registry's use cases: the bodies of the API and the forms of the console are
checked by the same models (field limits, formats), so both obey the same rules. Commands (``commands.py``)
carry them with the ids of what they act on.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocop_registry.domain.certification import Decision
from ocop_registry.domain.producer import TAX_CODE_PATTERN, ProducerKind
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
from ocop_shared.events.models import AdminUnit
from ocop_shared.text import Text
from ocop_shared.validation import RecordId, omitted_default


def _unit(value):
    """Accept ``"Thái Nguyên"``, a GSO code ``"19"`` or ``{"code": "19", "name": "Thái Nguyên"}``."""
    if isinstance(value, int):
        return {"code": str(value), "name": ""}
    if isinstance(value, str):
        return {"code": value, "name": ""} if value.strip().isdigit() else {"name": value}
    if isinstance(value, dict) and "name" not in value:
        return {**value, "name": ""}
    return value


class Strict(BaseModel):
    # allow_inf_nan: Python's JSON parser reads NaN / Infinity / 1e999; no field of ours may hold them
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class ContactIn(Strict):
    phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 .-]{6,20}$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    representative: Annotated[str, Text(min_length=0, max_length=200)] | None = None


class ProducerIn(Strict):
    name: Annotated[str, Text(min_length=2, max_length=300)]
    kind: ProducerKind
    legal_form: str | None = Field(default=None, max_length=10)
    tax_code: str = Field(
        min_length=10,
        max_length=20,
        description="mã số thuế: 10 or 13 digits, or the branch form 0123456789-001",
        json_schema_extra={"pattern": TAX_CODE_PATTERN},
    )
    province: AdminUnit
    district: AdminUnit | None = Field(default=None, description="only for records made before the 07/2025 reform")
    commune: AdminUnit | None = None
    address: Annotated[str, Text(min_length=0, max_length=500)] = ""
    public_name: Annotated[str, Text(min_length=2, max_length=300)] | None = None
    contact: ContactIn | None = None

    _units = field_validator("province", "district", "commune", mode="before")(_unit)


class ProductFields(Strict, ProductFacts):
    """A product's facts, with the value types of the entity (``ocop_registry.domain.product``)."""


class ProductIn(ProductFields):
    producer_id: RecordId


def _kept(**kwargs: object) -> Any:
    """A PATCH field that may be left out (unchanged) but not sent as null."""
    return Field(default=None, json_schema_extra=omitted_default, **kwargs)  # type: ignore[call-overload]


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
    role: Literal["official", "producer", "operator"]
    producer_id: RecordId | None = None
    provinces: list[str] = Field(default_factory=list, max_length=70)
    display_name: Annotated[str, Text(min_length=0, max_length=200)] | None = None
    replace: bool = False
