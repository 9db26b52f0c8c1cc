"""Places of a producer: growing areas (vùng trồng) and packing houses (cơ sở đóng gói), each known by
its official code (see ``codes.normalize_area_code``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ocop_shared.addresses import CurrentUnits, RecordedAddress
from ocop_shared.text import Text
from ocop_shared.validation import trusted
from ocop_traceability.domain.epcis.ids import check_digit_ok


class Strict(BaseModel):
    # allow_inf_nan: Python's JSON parser reads NaN / Infinity / 1e999; no field of ours may hold them
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Certification(Strict):
    scheme: Annotated[str, Text(min_length=2, max_length=40)] = Field(description="VietGAP, GlobalGAP, organic, …")
    number: Annotated[str, Text(min_length=0, max_length=100)] | None = None
    valid_from: date | None = None
    valid_until: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self, info: ValidationInfo) -> Certification:
        if not trusted(info) and self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise PydanticCustomError("dates_out_of_order", "Ngày hết hiệu lực trước ngày hiệu lực")
        return self


class Unit(Strict):
    # an administrative unit (tỉnh, xã) as recorded: its code when known and its name (no docstring: it would
    # become the description of the API's schema)
    code: str | None = Field(default=None, max_length=10)
    name: Annotated[str, Text(min_length=1, max_length=200)]


def gln_of(value: str | None) -> str | None:
    """A GS1 Global Location Number: 13 digits with a valid check digit (or none)."""
    if value is None or not value.strip():
        return None
    digits = value.strip()
    if not (len(digits) == 13 and check_digit_ok(digits)):
        raise ValueError("GLN phải gồm 13 chữ số với số kiểm tra đúng")
    return digits


# the check digit is GS1's (format gln); JSON Schema can say the digits only
Gln = Annotated[
    str,
    Field(
        description="GS1 GLN (13 digits, check digit verified), if any",
        json_schema_extra={"pattern": r"^\d{13}$", "format": "gln"},
    ),
]


def unit_of(value: Any) -> Any:
    """A unit may be given by its name alone."""
    return {"name": value} if isinstance(value, str) else value


class Place(BaseModel):
    # province and commune: today's units (what maps and scan pages show); recorded: as written (perhaps in the
    # units before the 07/2025 reform); current: how they were placed (None on places older than that)
    code: str  # upper case, matched one of the configured schemes; also the record's id
    scheme: str
    name: str
    producer_id: str
    province: Unit
    commune: Unit | None = None
    recorded: RecordedAddress | None = None
    current: CurrentUnits | None = None
    registered_at: datetime
    gln: str | None = None  # GS1 Global Location Number, when the place has one (EPCIS: its SGLN)

    _units = field_validator("province", "commune", mode="before")(unit_of)


class GrowingArea(Place):
    """Vùng trồng: an outlined field or hill with its crop and certifications (VietGAP…)."""

    crop: str
    area_ha: float
    geometry: dict[str, Any]  # GeoJSON Polygon/MultiPolygon, checked by ``geometry.check_geometry``
    certifications: list[Certification] = Field(default_factory=list)

    def feature(self) -> dict[str, Any]:
        """A GeoJSON Feature with public properties only (maps are public)."""
        return {
            "type": "Feature",
            "id": self.code,
            "geometry": self.geometry,
            "properties": {
                "code": self.code,
                "name": self.name,
                "crop": self.crop,
                "area_ha": self.area_ha,
                "province": self.province.name,
                "commune": self.commune.name if self.commune else None,
                "certifications": [c.scheme for c in self.certifications],
            },
        }


class PackingHouse(Place):
    """Cơ sở đóng gói."""


def feature_collection(areas: list[GrowingArea]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [a.feature() for a in areas]}
