"""Data migrations an operator runs (``ocop migrate …`` calls them): idempotent, each reports what it changed
and what it could not."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from ocop_registry.api.deps import Operator, RuntimeDep
from ocop_registry.app.commands import MigrateAdminUnits
from ocop_registry.app.migration import migrate_admin_units
from ocop_registry.app.repair import repair_products
from ocop_shared.migrations import MigrationIn, dry_run

router = APIRouter(tags=["migrations"])


@router.post(
    "/migrations/admin-units",
    summary="Place producers stored before addresses were converted in today's units (operators)",
)
async def admin_units(rt: RuntimeDep, principal: Operator, body: MigrationIn | None = None) -> dict:
    return await migrate_admin_units(MigrateAdminUnits(dry_run=dry_run(body)), principal, rt.uow)


@router.post(
    "/migrations/products",
    summary="Bring products stored before today's rules in line (operators; `ocop migrate products`)",
)
async def products(rt: RuntimeDep, principal: Operator, body: MigrationIn | None = None) -> dict:
    return asdict(await repair_products(principal, rt.uow, dry_run=dry_run(body)))
