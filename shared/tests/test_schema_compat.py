"""v1 event schemas may only grow: the committed JSON Schemas are the published contract."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, create_model

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


def v1_with(name: str, *, drop: str = "", rename: tuple[str, str] = ("", ""), **retyped: object) -> type[BaseModel]:
    """V1 with one change (the model called ``name``): a field dropped, a field renamed (old, new) or fields
    given another type."""
    fields: dict = {}
    for field, info in V1.model_fields.items():
        if field != drop:
            fields[rename[1] if field == rename[0] else field] = (retyped.get(field, info.annotation), info)
    return create_model(name, **fields)


class NewRequired(V1):
    decision_no: str


class Additive(V1):
    decision_no: str | None = None


@pytest.mark.parametrize(
    "changed, expected",
    [
        (v1_with("Removed", drop="stars"), "stars: removed or renamed"),
        (v1_with("Renamed", rename=("product_id", "product")), "product_id: removed or renamed"),
        (v1_with("Retyped", stars=str), "stars: type changed"),
        (v1_with("NestedRetyped", unit=dict), "unit.name: removed or renamed"),
        (v1_with("EnumChanged", status=Literal["active", "withdrawn"]), "status: type changed"),
        (NewRequired, "decision_no: new required field"),
    ],
)
def test_checker_detects_breaking_changes(changed, expected):
    problems = incompatibilities(V1.model_json_schema(), changed.model_json_schema())
    assert expected in problems


def test_checker_accepts_additive_change():
    assert incompatibilities(V1.model_json_schema(), Additive.model_json_schema()) == []
