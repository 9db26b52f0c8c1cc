"""marketplace_sync's copy of producers (sellers on the platforms), for operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ocop_marketplace_sync.app.policy import SELLER_READERS
from ocop_marketplace_sync.app.sellers import seller_record
from ocop_marketplace_sync.runtime import RuntimeDep
from ocop_shared.auth import Principal, require

router = APIRouter(tags=["producers"])


@router.get("/producers/{producer_id}", summary="The seller record kept for a producer")
async def get_producer(
    producer_id: str, runtime: RuntimeDep, principal: Annotated[Principal, Depends(require(*SELLER_READERS))]
) -> dict:
    return await seller_record(producer_id, principal, runtime.uow())
