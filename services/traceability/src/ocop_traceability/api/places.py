"""Growing areas and packing houses (producers manage their own; officials any within their scope)."""

from __future__ import annotations

from fastapi import APIRouter

from ocop_traceability.api.deps import Actor, RuntimeDep, UowDep
from ocop_traceability.app import places
from ocop_traceability.app.commands import GrowingAreaIn, PackingHouseIn

router = APIRouter(tags=["growing areas"])


@router.post("/growing-areas", status_code=201, summary="Register a growing area (vùng trồng)")
async def create_area(body: GrowingAreaIn, principal: Actor, uow: UowDep, rt: RuntimeDep) -> dict:
    area = await places.register_area(body, principal, uow, schemes=rt.settings.area_code_schemes)
    return area.model_dump()


@router.get("/growing-areas", summary="Growing areas (a producer sees its own)")
async def list_areas(principal: Actor, uow: UowDep, producer_id: str | None = None) -> list[dict]:
    return [a.model_dump() for a in await places.list_areas(principal, uow, producer_id=producer_id)]


@router.get("/growing-areas/{code}", summary="One growing area")
async def get_area(code: str, principal: Actor, uow: UowDep) -> dict:
    return (await places.get_area(code, principal, uow)).model_dump()


@router.get("/growing-areas.geojson", summary="GeoJSON FeatureCollection for maps (public properties)")
async def areas_geojson(uow: UowDep, producer_id: str | None = None) -> dict:
    return await places.public_map(uow, producer_id)


@router.post("/packing-houses", status_code=201, summary="Register a packing house (cơ sở đóng gói)")
async def create_packing_house(body: PackingHouseIn, principal: Actor, uow: UowDep) -> dict:
    return (await places.register_packing_house(body, principal, uow)).model_dump()


@router.get("/packing-houses", summary="Packing houses (a producer sees its own)")
async def list_packing_houses(principal: Actor, uow: UowDep, producer_id: str | None = None) -> list[dict]:
    return [h.model_dump() for h in await places.list_packing_houses(principal, uow, producer_id=producer_id)]


@router.get("/packing-houses/{code}", summary="One packing house")
async def get_packing_house(code: str, principal: Actor, uow: UowDep) -> dict:
    return (await places.get_packing_house(code, principal, uow)).model_dump()
