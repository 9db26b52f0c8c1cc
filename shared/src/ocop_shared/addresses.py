"""Addresses as the services take and keep them (no reference data here: checking and converting units is
``ocop_shared.admin_units``, installed with the ``admin-units`` extra by the services that take addresses).

Input: ``AddressFields`` — a province, an optional district (only in addresses written before the 07/2025
reform), a commune, each by GSO code or name, plus ``current_commune`` to pick today's commune when an old
one was split and ``unit_scheme`` to say which list the units come from when it cannot be told.
Stored: the record's top-level ``province``/``commune`` are today's units (scopes, reports, events and the
other services read them), ``recorded`` is what was written (``RecordedAddress``), ``current`` how it was
placed in today's units (``CurrentUnits``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ocop_shared.events.models import AdminUnit, RecordedAddress, RecordedUnit

Scheme = Literal["current", "legacy"]
Status = Literal["exact", "converted", "chosen", "pending_choice"]
_TYPE_WORDS = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")


class UnitIn(BaseModel):
    # a unit written by GSO code ("19", "01933"), by name ("Thái Nguyên", "xã Bằng Phúc", "Bang Phuc") or both
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        # a code or a name (more than white space): the rule of ``_written``, as the schema says it
        json_schema_extra={
            "anyOf": [
                {"required": ["code"], "properties": {"code": {"type": "string"}}},
                {"required": ["name"], "properties": {"name": {"pattern": "\\S"}}},
            ]
        },
    )

    code: str | None = Field(default=None, max_length=5, pattern=r"^\d{1,5}$")
    name: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _written(self) -> Self:
        if not self.code and not self.name:
            raise ValueError("a unit needs a code or a name")
        return self

    @property
    def given(self) -> str:
        return self.name or self.code or ""


def as_unit(value: Any) -> Any:
    """Accept ``"Thái Nguyên"``, a GSO code ``"19"`` or ``19``, or ``{"code": "19", "name": "Thái Nguyên"}``;
    a blank optional unit is no unit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value  # refused by the model (a unit is not true or false)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's number cell
    if isinstance(value, int):
        return {"code": str(value)}
    if isinstance(value, str):
        return {"code": value.strip()} if value.strip().isdigit() else {"name": value}
    if isinstance(value, dict) and value.get("name") is None:
        return {k: v for k, v in value.items() if k != "name"}
    return value


_PROVINCE = "tỉnh/thành phố: GSO code or name, today's or before 07/2025"
_DISTRICT = "huyện/quận/thị xã: only in addresses written before the 07/2025 reform"
_COMMUNE = "xã/phường/thị trấn: GSO code or name"
_CURRENT_COMMUNE = (
    "today's commune, when the old one was split between several: one of the candidates a 422 "
    "ambiguous_admin_unit lists"
)
_SCHEME = (
    "which list the units come from (current: since 07/2025, legacy: before); detected when absent — needed "
    "only for a commune code that exists in both lists"
)


class _Units(BaseModel):
    district: UnitIn | None = Field(default=None, description=_DISTRICT)
    commune: UnitIn | None = Field(default=None, description=_COMMUNE)
    current_commune: UnitIn | None = Field(default=None, description=_CURRENT_COMMUNE)
    unit_scheme: Scheme | None = Field(default=None, description=_SCHEME)

    _units = field_validator("province", "district", "commune", "current_commune", mode="before", check_fields=False)(
        as_unit
    )


class AddressFields(_Units):
    """The administrative units of an address, today's or from before the 07/2025 reform (mixed is fine:
    'tỉnh Thái Nguyên, huyện Ngân Sơn, xã Thượng Quan')."""

    province: UnitIn = Field(description=_PROVINCE)


class AddressChange(_Units):
    """The address units of a correction: any of them sent replace the address (see the patch using it)."""

    province: UnitIn | None = Field(default=None, description=_PROVINCE)

    def changes_units(self) -> bool:
        return bool({"province", "district", "commune"} & self.model_fields_set)

    def changes_choice(self) -> bool:
        return bool({"current_commune", "unit_scheme"} & self.model_fields_set)


class Candidate(BaseModel):
    """A current commune a split old one may have become (``default``: the data's usual pick, not applied)."""

    code: str
    name: str
    default: bool = False


class CurrentUnits(BaseModel):
    """How an address was placed in today's units: ``exact`` (written in them), ``converted`` (from the old
    units), ``chosen`` (a split old commune, today's commune chosen by the writer), ``pending_choice`` (a
    split old commune from a bulk import or a migration: an official chooses among ``candidates``)."""

    status: Status
    province: AdminUnit
    commune: AdminUnit | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    data: str = ""

    @property
    def pending(self) -> bool:
        return self.status == "pending_choice"


def _lower_type(name: str) -> str:
    for word in _TYPE_WORDS:
        if name.lower().startswith(word.lower() + " "):
            return word.lower() + name[len(word) :]
    return name


def _label(unit: RecordedUnit | None) -> str | None:
    return _lower_type(unit.name or unit.given) if unit else None


def describe(recorded: RecordedAddress | None) -> str:
    """The address as written, for a sentence: 'xã Bằng Phúc, huyện Chợ Đồn, tỉnh Bắc Kạn'."""
    if recorded is None:
        return ""
    parts = (_label(recorded.commune), _label(recorded.district), _label(recorded.province))
    return ", ".join(p for p in parts if p)


ADDRESS_FORM_FIELDS = ("province", "district", "commune", "current_commune")


def address_form(form: Mapping[str, str], province: Any = None) -> dict[str, Any]:
    """The address units of a console form (``address_fields.html``), blanks left out; ``province`` stands in
    for a blank province (e.g. the producer's)."""
    units: dict[str, Any] = {k: (form.get(k) or "").strip() or None for k in ADDRESS_FORM_FIELDS}
    units["province"] = units["province"] or province
    return {k: v for k, v in units.items() if v is not None}


def choices_of(exc: Exception) -> list[dict[str, Any]]:
    """Today's communes to choose from, when ``exc`` refused a split old commune (else none)."""
    if getattr(exc, "code", None) != "ambiguous_admin_unit":
        return []
    details = getattr(exc, "details", None) or [{}]
    return list(details[0].get("candidates", [])) if details[0].get("reason") == "split" else []


__all__ = [
    "AddressChange",
    "AddressFields",
    "AdminUnit",
    "Candidate",
    "CurrentUnits",
    "RecordedAddress",
    "RecordedUnit",
    "Scheme",
    "UnitIn",
    "address_form",
    "as_unit",
    "choices_of",
    "describe",
]
