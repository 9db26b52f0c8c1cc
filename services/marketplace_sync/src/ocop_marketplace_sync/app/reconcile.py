"""Reconciliation: compare what each platform holds with what it should hold; drifted listings go pending
again and the sync worker repairs them (also run every ``OCOP_RECONCILE_INTERVAL_S`` and after a resync)."""

from __future__ import annotations

from collections.abc import Mapping

from ocop_marketplace_sync.app.commands import Reconcile
from ocop_marketplace_sync.app.ports import Marketplace, UnitOfWork
from ocop_marketplace_sync.domain.drift import drift_of
from ocop_shared.logging import get_logger

log = get_logger(__name__)


async def reconcile(cmd: Reconcile, uow: UnitOfWork, marketplaces: Mapping[str, Marketplace]) -> int:
    """How many listings drifted (each marked for repair)."""
    drifted = 0
    for listing in await uow.listings.settled(cmd.product_id):
        platform = marketplaces.get(listing.platform)
        if platform is None or not listing.external_id:
            continue
        try:
            remote = await platform.fetch(listing.external_id)
        except Exception:  # noqa: BLE001 - the platform is down: try at the next reconciliation
            continue
        drift = drift_of(listing, remote)
        if drift is not None:
            log.info("listing.drift", product_id=listing.product_id, platform=listing.platform, kind=drift.kind)
            await uow.listings.mark_for_repair(listing.id, forget_external_id=drift.forget_external_id)
            drifted += 1
    return drifted
