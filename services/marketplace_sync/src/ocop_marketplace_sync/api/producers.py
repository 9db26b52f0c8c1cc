"""marketplace_sync's copy of producers (sellers on the platforms), for operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ocop_shared.auth import Principal, require
from ocop_shared.errors import NotFound

router = APIRouter(tags=["producers"])


@router.get("/producers/{producer_id}", summary="The seller record kept for a producer")
async def get_producer(producer_id: str, request: Request,
                       _principal: Annotated[Principal, Depends(require("official", "operator"))]) -> dict:
    doc = await request.app.state.runtime.db.producers.find_one({"_id": producer_id})
    if doc is None:
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")
    doc["id"] = doc.pop("_id")
    return doc
