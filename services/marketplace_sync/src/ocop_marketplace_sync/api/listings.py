"""Listing status and repair (operators and officials)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ocop_shared.auth import Principal, require
from ocop_shared.errors import Forbidden, NotFound
from ocop_shared.mongo import as_datetime, transaction_gate

router = APIRouter(tags=["listings"])
Staff = Annotated[Principal, Depends(require("official", "operator", "producer"))]


class ResyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: str | None = Field(default=None, max_length=64)


def _view(d: dict) -> dict:
    return {"platform": d["platform"], "status": d["status"], "external_id": d.get("external_id"),
            "last_synced_at": as_datetime(d["last_synced_at"]).isoformat() if d.get("last_synced_at") else None,
            "last_error": d.get("last_error"), "product_id": d["product_id"], "version": d.get("synced_version")}


async def visible_products(db, principal: Principal) -> set[str] | None:
    """Product ids the caller may see (None: all). A producer its own; a scoped official its provinces'."""
    if principal.role == "producer":
        return {p["_id"] async for p in db.products.find({"producer_id": principal.producer_id}, projection={"_id": 1})}
    if principal.role == "official" and principal.provinces:
        producers = {p["_id"] async for p in db.producers.find({}, projection={"province_code": 1})
                     if principal.covers(p.get("province_code"))}
        return {p["_id"] async for p in db.products.find({}, projection={"producer_id": 1})
                if p.get("producer_id") in producers}
    return None


@router.get("/listings", summary="Where a product is listed: one entry per platform")
async def listings(request: Request, principal: Staff, product_id: str | None = None) -> list[dict]:
    db = request.app.state.runtime.db
    query: dict = {"product_id": product_id} if product_id else {}
    docs = await db.listings.find(query).sort("_id", 1).to_list(1000)
    visible = await visible_products(db, principal)
    if visible is not None:
        docs = [d for d in docs if d["product_id"] in visible]
    return [_view(d) for d in docs]


@router.post("/listings/resync", status_code=202, summary="Push the desired state again and reconcile")
async def resync(request: Request, principal: Annotated[Principal, Depends(require("official", "operator"))],
                 body: ResyncIn | None = None) -> JSONResponse:
    runtime = request.app.state.runtime
    if principal.role == "official" and principal.provinces:  # a scoped official: own provinces' products only
        product = await runtime.db.products.find_one({"_id": body.product_id}) if body and body.product_id else None
        if body is None or not body.product_id:
            raise Forbidden("out_of_scope", "Cán bộ phụ trách tỉnh chỉ đồng bộ lại từng sản phẩm của tỉnh mình")
        producer = await runtime.db.producers.find_one({"_id": (product or {}).get("producer_id")})
        if product is None or not principal.covers((producer or {}).get("province_code")):
            raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    query: dict = {"product_id": body.product_id} if body and body.product_id else {}
    async with transaction_gate(runtime.db.client, runtime.db.name):
        result = await runtime.db.listings.update_many(query, {"$set": {"status": "pending", "next_attempt_at": None}})
    runtime.sync.wake()
    asyncio.get_running_loop().create_task(runtime.sync.reconcile(body.product_id if body else None))
    return JSONResponse({"accepted": True, "listings": result.modified_count}, status_code=202)
