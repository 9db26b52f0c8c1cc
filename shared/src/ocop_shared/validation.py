"""Value types declared once and where validation applies: to what a person sends, not to what is stored.

A value type (``ocop_shared.text.Text``, ``IsoDate``, a service's ``Gtin`` or ``TaxCode`` built on :class:`Checked`)
is used by the API bodies, the console forms, the imports and the entities alike, and writes into the OpenAPI
schema exactly what it enforces (pattern, format, the rules JSON Schema cannot say: ``x-ocop-rules``).

Entities are also rebuilt from what the database holds. Those values passed the rules when they were written,
or were written before a rule existed (the old ``PATCH /products`` stored image entries that are not URLs).
Reading them with :data:`TRUSTED` skips the refusals and normalisations, so one odd stored record never makes a
read fail; ``ocop migrate`` repairs such records, and the repository reports what it could not read at all.

JSON scalars are what they say: an ``integer`` is a JSON number (``StrictInt``; ``"5"`` is refused), a date is
an RFC 3339 ``full-date`` string (:data:`IsoDate`; not a number of seconds). Console forms, whose fields are all
text, are read with ``strict=False`` (``ocop_shared.console.from_form``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from ocop_shared.errors import AppError

#: codes of the rules :func:`rules` declared: a 422 whose only fault is one of them answers it as its error code
RULE_CODES: set[str] = set()

#: pydantic validation context for values read back from storage (or already validated at the edge)
TRUSTED: dict[str, Any] = {"ocop_trusted": True}


def trusted(info: ValidationInfo | None) -> bool:
    """Whether a validator runs on stored (already accepted) data: it then lets the value through unchanged."""
    context = info.context if info is not None else None
    return isinstance(context, dict) and bool(context.get("ocop_trusted"))


def rules(*pairs: tuple[str, str]) -> dict[str, Any]:
    """JSON Schema annotation of rules a schema cannot express (a check digit, an order between two fields, a
    name that must be in the official list): ``{"x-ocop-rules": [{"code", "rule"}]}``. The refusal answers 422
    with ``code`` as its error code or a detail's type; ``ocop_shared.openapi`` lists them on each operation."""
    RULE_CODES.update(code for code, _ in pairs)
    return {"x-ocop-rules": [{"code": code, "rule": text} for code, text in pairs]}


@dataclass(frozen=True)
class Checked:
    """A value checked (and normalised) by a domain function, with the JSON Schema keywords it implies.

    ``Annotated[str, Checked(normalize_gtin, {"pattern": ..., **rules(...)})]``: ``check`` returns the canonical
    value or raises (a ``ValueError``, or a named ``AppError`` whose code the API answers). Stored values pass
    unchanged (:data:`TRUSTED`).
    """

    check: Callable[[Any], Any]
    schema: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(self._validate, handler(source))

    def _validate(self, value: Any, info: ValidationInfo) -> Any:
        if trusted(info):
            return value
        try:
            return self.check(value)
        except AppError as exc:  # a field error among the others (all are reported), typed by the rule's code
            raise PydanticCustomError(exc.code, exc.message) from exc

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(self.schema)
        return json_schema


# Years 0001–9999 (the calendar Python and BSON know; RFC 3339 also has 0000)
_YEAR = r"(?:[1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])"
DATE_PATTERN = rf"^{_YEAR}-\d{{2}}-\d{{2}}$"
DATETIME_PATTERN = rf"^{_YEAR}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:[0-5]\d(?:\.\d{{1,6}})?(?:Z|[+-]\d{{2}}:\d{{2}})$"


def _iso(pattern: str, what: str) -> Callable[[Any], Any]:
    compiled = re.compile(pattern)

    def before(value: Any) -> Any:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise PydanticCustomError(
                f"{what}_format", f"{what}: cần dạng {'YYYY-MM-DD' if what == 'date' else 'RFC 3339'}"
            )
        if isinstance(value, (int, float)):
            raise PydanticCustomError(f"{what}_type", f"{what}: cần một chuỗi ngày, không phải số")
        return value

    return before


#: a calendar date as JSON has it: "2026-10-20"
IsoDate = Annotated[
    date, Field(strict=False, json_schema_extra={"pattern": DATE_PATTERN}), BeforeValidator(_iso(DATE_PATTERN, "date"))
]
#: a moment with its offset: "2026-10-21T08:00:00+07:00" (seconds 00–59, at most microseconds)
IsoDateTime = Annotated[
    datetime,
    Field(strict=False, json_schema_extra={"pattern": DATETIME_PATTERN}),
    BeforeValidator(_iso(DATETIME_PATTERN, "datetime")),
]


#: the id of a record a body names (an ObjectId's hex, a username…): no white space
RecordId = Annotated[str, Field(min_length=1, max_length=64, json_schema_extra={"pattern": r"^\S+$"})]


def omitted_default(schema: dict[str, Any]) -> None:
    """``Field(default=None, json_schema_extra=omitted_default)``: a field that may be left out but not sent as
    null (a PATCH leaves it unchanged); the schema shows no ``default: null`` it would refuse."""
    schema.pop("default", None)
