"""Use cases: clone alerts and the most scanned stamps, for producers (their own) and officials."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_shared.auth import Principal
from ocop_traceability.app import policy
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.alerts import CloneAlert
from ocop_traceability.domain.copies import ProductCopy
from ocop_traceability.domain.stamps import Stamp


async def clone_alerts(principal: Principal, uow: TraceabilityUow, *, limit: int = 1000) -> list[CloneAlert]:
    return await uow.clone_alerts.newest(policy.list_scope(principal), limit)


@dataclass(frozen=True)
class ScanOverview:
    alerts: list[CloneAlert]
    scanned: list[Stamp]  # the most scanned first
    total_scans: int
    products: dict[str, ProductCopy]


async def scan_overview(principal: Principal, uow: TraceabilityUow, *, shown: int = 200) -> ScanOverview:
    scope = policy.list_scope(principal)
    alerts = await uow.clone_alerts.newest(scope, shown)
    runs = await uow.stamp_runs.latest(scope, 1000)
    scanned = sorted(await uow.stamps.scanned([r.id for r in runs]), key=lambda s: -s.scan_count)
    products = await uow.products.by_ids(list({s.product_id for s in scanned} | {a.product_id for a in alerts}))
    return ScanOverview(alerts, scanned[:shown], sum(s.scan_count for s in scanned), products)
