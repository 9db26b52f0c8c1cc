"""Data migrations an operator runs (``ocop migrate …`` calls them): idempotent, each reports what it changed
and what it could not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ocop_shared.auth import Principal, require
from ocop_shared.migrations import MigrationIn, dry_run
from ocop_traceability.app.migration import migrate_admin_units
from ocop_traceability.runtime import RuntimeDep

router = APIRouter(tags=["migrations"])
Operator = Annotated[Principal, Depends(require("operator"))]


@router.post(
    "/migrations/admin-units",
    summary="Place growing areas and packing houses registered before their units were checked (operators)",
)
async def admin_units(rt: RuntimeDep, principal: Operator, body: MigrationIn | None = None) -> dict:
    return await migrate_admin_units(dry_run(body), principal, rt.uow)
