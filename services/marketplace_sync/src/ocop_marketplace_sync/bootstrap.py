"""Composition root of marketplace_sync."""

from __future__ import annotations

from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime
from ocop_marketplace_sync.events import registry


class MarketplaceSyncSettings(ServiceSettings):
    service_name: str = "marketplace_sync"
    port: int = 8003
    mongo_db: str = "marketplace_sync"


def bootstrap(settings: MarketplaceSyncSettings | None = None) -> Runtime:
    runtime = build_runtime(settings or MarketplaceSyncSettings())
    registry.subscribe(runtime)
    return runtime
