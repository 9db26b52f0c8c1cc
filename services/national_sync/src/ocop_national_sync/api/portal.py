"""The products' state on the national portal (operators and officials; producers read their own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ocop_national_sync.app import status as use
from ocop_national_sync.app.commands import Resync, StatusQuery
from ocop_national_sync.app.policy import READERS, RESYNCERS
from ocop_national_sync.runtime import RuntimeDep
from ocop_shared.auth import Principal, require
from ocop_shared.openapi import errors

router = APIRouter(tags=["national portal"])
Reader = Annotated[Principal, Depends(require(*READERS))]
Resyncer = Annotated[Principal, Depends(require(*RESYNCERS))]


class ResyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: str | None = Field(default=None, max_length=64)


def view(entry: use.ProductStatus) -> dict[str, Any]:
    r = entry.record
    return {
        "product_id": r.id,
        "name": r.name,
        "producer_id": r.producer_id,
        "status": r.status,
        "missing": [{"code": m.code, "message": m.message} for m in entry.missing],
        "portal_id": r.portal_id,
        "events_on_portal": len(r.pushed),
        "stages": len(r.stages),
        "last_synced_at": r.last_synced_at.isoformat() if r.last_synced_at else None,
        "last_error": r.last_error,
        "revision": r.revision,
    }


@router.get(
    "/portal/products",
    summary="Each product's state on the national traceability portal",
    responses=errors(404),  # a product_id asked for that is not known (or not the caller's)
)
async def products(runtime: RuntimeDep, principal: Reader, product_id: str | None = None) -> list[dict]:
    return [view(e) for e in await use.statuses(StatusQuery(product_id), principal, runtime.uow())]


@router.post("/portal/resync", status_code=202, summary="Push a product (or every product) to the portal again")
async def resync(runtime: RuntimeDep, principal: Resyncer, body: ResyncIn | None = None) -> JSONResponse:
    count = await use.resync(Resync(body.product_id if body else None), principal, runtime.uow())
    runtime.worker.wake()
    return JSONResponse({"accepted": True, "products": count}, status_code=202)
