"""Use cases: batches (lô) and their append-only trail of EPCIS-style events."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ocop_shared.auth import Principal
from ocop_shared.errors import Conflict, DomainError, NotFound
from ocop_shared.events.envelope import utcnow
from ocop_traceability.app.places import check_scope, in_scope
from ocop_traceability.domain.codes import normalize_lot


async def create_batch(db: AsyncDatabase, body: dict[str, Any], principal: Principal) -> dict:
    product = await db.products.find_one({"_id": body["product_id"]})
    if product is None or not principal.owns(product["producer_id"]):
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm (hoặc sản phẩm không thuộc chủ thể này)")
    area = await db.growing_areas.find_one({"_id": body["growing_area_code"].strip().upper()})
    if area is None or not principal.owns(area["producer_id"]):
        raise NotFound("growing_area_not_found", "Không tìm thấy vùng trồng của chủ thể này")
    await check_scope(db, principal, product["producer_id"])
    if area["producer_id"] != product["producer_id"]:
        raise DomainError("foreign_area", "Vùng trồng thuộc chủ thể khác với chủ thể của sản phẩm")
    if body.get("packing_house_code"):
        house = await db.packing_houses.find_one({"_id": body["packing_house_code"].strip().upper()})
        if house is None or house["producer_id"] != product["producer_id"]:
            raise NotFound("packing_house_not_found", "Không tìm thấy cơ sở đóng gói của chủ thể này")
    lot = normalize_lot(body["lot"]) if body.get("lot") else None
    for attempt in range(1, 50):
        candidate = lot or f"{body['harvest_date']:%y%m%d}-{attempt}"
        doc = {"_id": str(ObjectId()), "product_id": product["_id"], "producer_id": product["producer_id"],
               "growing_area_code": area["_id"], "packing_house_code": body.get("packing_house_code"),
               "harvest_date": body["harvest_date"].isoformat(), "quantity": body["quantity"], "unit": body["unit"],
               "lot": candidate, "lot_key": f"{product['_id']}:{candidate}", "created_at": utcnow()}
        try:
            await db.batches.insert_one(doc)
            return doc
        except DuplicateKeyError as exc:
            if lot:
                raise Conflict("duplicate_lot", f"Sản phẩm đã có lô {lot}") from exc
    raise Conflict("duplicate_lot", "Không sinh được mã lô mới")


async def batch_for(db: AsyncDatabase, batch_id: str, principal: Principal, *, write: bool = False) -> dict:
    batch = await db.batches.find_one({"_id": batch_id})
    if batch is None or not await in_scope(db, principal, batch["producer_id"]):
        raise NotFound("batch_not_found", "Không tìm thấy lô hàng")
    if write:
        await check_scope(db, principal, batch["producer_id"])
    return batch


async def append_event(db: AsyncDatabase, batch: dict, event: dict[str, Any], recorded_by: str) -> dict:
    """Trail events are appended, never edited (there is no route to change or delete one)."""
    doc = {"_id": str(ObjectId()), "batch_id": batch["_id"], **event, "time": event["time"].isoformat(),
           "recorded_at": utcnow(), "recorded_by": recorded_by}
    await db.batch_events.insert_one(doc)
    return doc


async def trail(db: AsyncDatabase, batch_id: str) -> list[dict]:
    return await db.batch_events.find({"batch_id": batch_id}, projection={"recorded_by": 0}).sort("time", 1).to_list()
