"""Data migrations an operator runs (``ocop migrate …`` calls them): idempotent, each reports what it changed
and what it could not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ocop_shared.auth import Principal, require
from ocop_traceability.app.migration import migrate_admin_units
from ocop_traceability.runtime import RuntimeDep

router = APIRouter(tags=["migrations"])
Operator = Annotated[Principal, Depends(require("operator"))]


class MigrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(default=False, description="report what would change, change nothing")


@router.post(
    "/migrations/admin-units",
    summary="Place growing areas and packing houses registered before their units were checked (operators)",
)
async def admin_units(rt: RuntimeDep, principal: Operator, body: MigrationIn | None = None) -> dict:
    return await migrate_admin_units(bool(body and body.dry_run), principal, rt.uow)
