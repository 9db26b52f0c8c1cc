"""Traceability's view of producers (a copy fed by registry events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ocop_shared.auth import Principal, require
from ocop_shared.errors import NotFound

router = APIRouter(tags=["producers"])


@router.get("/producers/{producer_id}", summary="Traceability's copy of a producer (public facts)")
async def get_producer(producer_id: str, request: Request,
                       principal: Annotated[Principal, Depends(require("official", "operator", "producer"))]) -> dict:
    doc = None
    if principal.owns(producer_id):
        doc = await request.app.state.runtime.db.producers.find_one({"_id": producer_id})
    if doc is None:
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")
    doc["id"] = doc.pop("_id")
    return doc
