"""v1 event schemas may only grow: the committed JSON Schemas are the published contract."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel

from ocop_shared.events.models import EVENT_TYPES
from ocop_shared.events.schemas import SCHEMA_DIR, current_schemas, incompatibilities, load_committed


def test_every_event_type_has_a_committed_schema():
    committed = load_committed()
    assert set(EVENT_TYPES) | {"cloudevent"} == set(committed), "run: python -m ocop_shared.events.schemas"


@pytest.mark.parametrize("name", sorted(current_schemas()))
def test_current_models_are_backward_compatible_with_committed_v1(name):
    committed = load_committed()
    assert incompatibilities(committed[name], current_schemas()[name]) == []


def test_committed_schemas_are_up_to_date():
    """After an additive change, re-export so the folder shows what consumers may rely on."""
    committed = load_committed()
    for name, schema in current_schemas().items():
        assert committed[name] == schema, f"{SCHEMA_DIR}/{name}.json is stale: run python -m ocop_shared.events.schemas"


# The checker itself must catch each kind of breaking change (and accept additive ones).
class Unit(BaseModel):
    name: str


class V1(BaseModel):
    product_id: str
    stars: int
    unit: Unit
    note: str | None = None
    status: Literal["active", "revoked"]


class Removed(BaseModel):
    product_id: str
    unit: Unit
    note: str | None = None
    status: Literal["active", "revoked"]


class Renamed(BaseModel):
    product: str
    stars: int
    unit: Unit
    note: str | None = None
    status: Literal["active", "revoked"]


class Retyped(BaseModel):
    product_id: str
    stars: str
    unit: Unit
    note: str | None = None
    status: Literal["active", "revoked"]


class NestedRetyped(BaseModel):
    product_id: str
    stars: int
    unit: dict
    note: str | None = None
    status: Literal["active", "revoked"]


class EnumChanged(BaseModel):
    product_id: str
    stars: int
    unit: Unit
    note: str | None = None
    status: Literal["active", "withdrawn"]


class NewRequired(V1):
    decision_no: str


class Additive(V1):
    decision_no: str | None = None


@pytest.mark.parametrize(
    "changed, expected",
    [
        (Removed, "stars: removed or renamed"),
        (Renamed, "product_id: removed or renamed"),
        (Retyped, "stars: type changed"),
        (NestedRetyped, "unit.name: removed or renamed"),
        (EnumChanged, "status: type changed"),
        (NewRequired, "decision_no: new required field"),
    ],
)
def test_checker_detects_breaking_changes(changed, expected):
    problems = incompatibilities(V1.model_json_schema(), changed.model_json_schema())
    assert expected in problems


def test_checker_accepts_additive_change():
    assert incompatibilities(V1.model_json_schema(), Additive.model_json_schema()) == []
