"""Listing status and repair (operators and officials; producers read their own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from ocop_marketplace_sync.app import listings as use
from ocop_marketplace_sync.app.commands import ListingsQuery, Resync
from ocop_marketplace_sync.app.policy import READERS, RESYNCERS
from ocop_marketplace_sync.domain.listing_state import Listing
from ocop_marketplace_sync.runtime import RuntimeDep
from ocop_shared.auth import Principal, require
from ocop_shared.validation import RecordId

router = APIRouter(tags=["listings"])
Reader = Annotated[Principal, Depends(require(*READERS))]
Resyncer = Annotated[Principal, Depends(require(*RESYNCERS))]


class ResyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: RecordId | None = None


def view(listing: Listing) -> dict[str, Any]:
    return {
        "platform": listing.platform,
        "status": listing.status,
        "external_id": listing.external_id,
        "url": listing.url if listing.status == "published" else None,
        "last_synced_at": listing.last_synced_at.isoformat() if listing.last_synced_at else None,
        "last_error": listing.last_error,
        "product_id": listing.product_id,
        "version": listing.synced_version,
    }


@router.get("/listings", summary="Where a product is listed: one entry per platform")
async def listings(runtime: RuntimeDep, principal: Reader, product_id: str | None = None) -> list[dict]:
    return [view(entry) for entry in await use.listings_of(ListingsQuery(product_id), principal, runtime.uow())]


@router.post("/listings/resync", status_code=202, summary="Push the desired state again and reconcile")
async def resync(runtime: RuntimeDep, principal: Resyncer, body: ResyncIn | None = None) -> JSONResponse:
    count = await use.resync(Resync(body.product_id if body else None), principal, runtime.uow(), runtime.sync)
    return JSONResponse({"accepted": True, "listings": count}, status_code=202)
