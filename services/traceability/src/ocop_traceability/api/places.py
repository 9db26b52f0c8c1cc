"""Growing areas and packing houses (producers manage their own; officials any)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ocop_shared.auth import Principal, require
from ocop_shared.errors import Forbidden, NotFound
from ocop_traceability.api.schemas import GrowingAreaIn, PackingHouseIn
from ocop_traceability.app.places import (check_scope, feature, in_scope, register_area, register_packing_house,
                                         visible)
from ocop_traceability.domain.codes import PACKING_HOUSE_SCHEMES

router = APIRouter(tags=["growing areas"])
Actor = Annotated[Principal, Depends(require("official", "operator", "producer"))]


def _own(principal: Principal, producer_id: str) -> None:
    if not principal.owns(producer_id):
        raise Forbidden("not_your_producer", "Chỉ được đăng ký cho chủ thể của mình")


def _public(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "_id"}


@router.post("/growing-areas", status_code=201, summary="Register a growing area (vùng trồng)")
async def create_area(body: GrowingAreaIn, request: Request, principal: Actor) -> dict:
    _own(principal, body.producer_id)
    rt = request.app.state.runtime
    await check_scope(rt.db, principal, body.producer_id)
    doc = await register_area(rt.db, body.model_dump(mode="json"), rt.settings.area_code_schemes)
    return _public(doc)


@router.get("/growing-areas", summary="Growing areas (a producer sees its own)")
async def list_areas(request: Request, principal: Actor, producer_id: str | None = None) -> list[dict]:
    db = request.app.state.runtime.db
    query = await visible(db, principal)
    if producer_id and principal.role != "producer":
        query = {"$and": [query, {"producer_id": producer_id}]} if query else {"producer_id": producer_id}
    return [_public(d) for d in await db.growing_areas.find(query).to_list(1000)]


@router.get("/growing-areas/{code}", summary="One growing area")
async def get_area(code: str, request: Request, principal: Actor) -> dict:
    db = request.app.state.runtime.db
    doc = await db.growing_areas.find_one({"_id": code.strip().upper()})
    if doc is None or not await in_scope(db, principal, doc["producer_id"]):
        raise NotFound("growing_area_not_found", "Không tìm thấy vùng trồng")
    return _public(doc)


@router.get("/growing-areas.geojson", summary="GeoJSON FeatureCollection for maps (public properties)")
async def areas_geojson(request: Request, producer_id: str | None = None) -> dict:
    query = {"producer_id": producer_id} if producer_id else {}
    docs = await request.app.state.runtime.db.growing_areas.find(query).to_list(10_000)
    return {"type": "FeatureCollection", "features": [feature(d) for d in docs]}


@router.post("/packing-houses", status_code=201, summary="Register a packing house (cơ sở đóng gói)")
async def create_packing_house(body: PackingHouseIn, request: Request, principal: Actor) -> dict:
    _own(principal, body.producer_id)
    await check_scope(request.app.state.runtime.db, principal, body.producer_id)
    doc = await register_packing_house(request.app.state.runtime.db, body.model_dump(mode="json"), PACKING_HOUSE_SCHEMES)
    return _public(doc)
