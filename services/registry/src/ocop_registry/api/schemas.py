"""Request/response schemas of the registry API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocop_registry.domain.producer import ProducerKind
from ocop_shared.events.models import AdminUnit


def _unit(value):
    """Accept ``"Bắc Kạn"`` or ``{"code": "06", "name": "Bắc Kạn"}``."""
    if isinstance(value, str):
        return {"name": value}
    return value


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 .-]{6,20}$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    representative: str | None = Field(default=None, max_length=200)


class ProducerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=300)
    kind: ProducerKind
    legal_form: str | None = Field(default=None, max_length=10)
    tax_code: str = Field(min_length=10, max_length=20)
    province: AdminUnit
    district: AdminUnit | None = None
    commune: AdminUnit | None = None
    address: str = Field(default="", max_length=500)
    public_name: str | None = Field(default=None, max_length=300)
    contact: ContactIn | None = None

    _units = field_validator("province", "district", "commune", mode="before")(_unit)


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
    contact: ContactIn | None
    registered_at: datetime
    version: int
