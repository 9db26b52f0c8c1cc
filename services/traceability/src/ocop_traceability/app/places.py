"""Use cases: growing areas (vùng trồng) and packing houses (cơ sở đóng gói)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ocop_shared.auth import Principal
from ocop_shared.errors import Conflict, Forbidden, NotFound
from ocop_shared.events.envelope import utcnow
from ocop_traceability.domain.codes import normalize_area_code
from ocop_traceability.domain.geometry import check_geometry


async def known_producer(db: AsyncDatabase, producer_id: str) -> dict:
    producer = await db.producers.find_one({"_id": producer_id})
    if producer is None:
        raise NotFound("producer_not_found", "Chưa có chủ thể này (đăng ký ở registry trước)")
    return producer


async def check_scope(db: AsyncDatabase, principal: Principal, producer_id: str) -> None:
    """An official scoped to provinces changes only the records of producers there (by our copy)."""
    if principal.role == "official" and not await in_scope(db, principal, producer_id):
        raise Forbidden("out_of_scope", "Cán bộ chỉ thao tác với chủ thể trong tỉnh mình phụ trách")


async def in_scope(db: AsyncDatabase, principal: Principal, producer_id: str) -> bool:
    """May the caller see this producer's records? (A producer its own; a scoped official its provinces.)"""
    if not principal.owns(producer_id):
        return False
    if principal.role != "official" or not principal.provinces:
        return True
    producer = await db.producers.find_one({"_id": producer_id}, projection={"province": 1})
    return principal.covers(((producer or {}).get("province") or {}).get("code"))


async def visible(db: AsyncDatabase, principal: Principal) -> dict[str, Any]:
    """The filter on ``producer_id`` that limits a list to what the caller may see."""
    if principal.role == "producer":
        return {"producer_id": principal.producer_id}
    if principal.role == "official" and principal.provinces:
        ids = [p["_id"] async for p in db.producers.find({}, projection={"province": 1})
               if principal.covers((p.get("province") or {}).get("code"))]
        return {"producer_id": {"$in": ids}}
    return {}


async def register_area(db: AsyncDatabase, body: dict[str, Any], schemes: dict[str, str]) -> dict:
    code, scheme = normalize_area_code(body["code"], schemes)
    geometry = check_geometry(body["geometry"])
    await known_producer(db, body["producer_id"])
    doc = {**body, "_id": code, "code": code, "scheme": scheme, "geometry": geometry, "registered_at": utcnow()}
    try:
        await db.growing_areas.insert_one(doc)
    except DuplicateKeyError as exc:
        raise Conflict("duplicate_code", f"Mã vùng trồng {code} đã được đăng ký") from exc
    return doc


async def register_packing_house(db: AsyncDatabase, body: dict[str, Any], schemes: dict[str, str]) -> dict:
    code, scheme = normalize_area_code(body["code"], schemes)
    await known_producer(db, body["producer_id"])
    doc = {**body, "_id": code, "code": code, "scheme": scheme, "registered_at": utcnow()}
    try:
        await db.packing_houses.insert_one(doc)
    except DuplicateKeyError as exc:
        raise Conflict("duplicate_code", f"Mã cơ sở đóng gói {code} đã được đăng ký") from exc
    return doc


def feature(area: dict) -> dict:
    """A GeoJSON Feature with public properties only."""
    return {"type": "Feature", "id": area["code"], "geometry": area["geometry"],
            "properties": {"code": area["code"], "name": area["name"], "crop": area["crop"],
                           "area_ha": area["area_ha"], "province": (area.get("province") or {}).get("name"),
                           "commune": (area.get("commune") or {}).get("name"),
                           "certifications": [c.get("scheme") for c in area.get("certifications", [])]}}
