"""Composition root of marketplace_sync: settings → runtime, adapters, sync worker."""

from __future__ import annotations

import asyncio
import contextlib

from ocop_marketplace_sync.adapters.marketplace import Marketplace
from ocop_marketplace_sync.adapters.postmart import PostmartAdapter
from ocop_marketplace_sync.adapters.voso import VosoAdapter
from ocop_marketplace_sync.app.sync import SyncWorker
from ocop_marketplace_sync.events import registry
from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime


class MarketplaceSyncSettings(ServiceSettings):
    service_name: str = "marketplace_sync"
    port: int = 8003
    mongo_db: str = "marketplace_sync"
    # Platforms (empty URL = disabled). Defaults point at the embedded stand-ins.
    voso_url: str = "http://127.0.0.1:8101"
    voso_client_id: str = "ocop-dev"
    voso_client_secret: str = "voso-dev-secret"
    voso_rate_per_s: float = 20
    postmart_url: str = "http://127.0.0.1:8102"
    postmart_api_key: str = "ocop-dev"
    postmart_api_secret: str = "postmart-dev-secret"
    postmart_rate_per_s: float = 20
    sync_attempts: int = 6
    platform_timeout_s: float = 5.0
    reconcile_interval_s: float = 300


def marketplaces(s: MarketplaceSyncSettings) -> dict[str, Marketplace]:
    """One entry per enabled platform: adding a platform (e.g. Sendo) is an adapter and its settings."""
    out: dict[str, Marketplace] = {}
    if s.voso_url:
        out["voso"] = VosoAdapter(s.voso_url, s.voso_client_id, s.voso_client_secret, rate_per_s=s.voso_rate_per_s,
                                  attempts=s.sync_attempts, timeout_s=s.platform_timeout_s)
    if s.postmart_url:
        out["postmart"] = PostmartAdapter(s.postmart_url, s.postmart_api_key, s.postmart_api_secret,
                                          rate_per_s=s.postmart_rate_per_s, attempts=s.sync_attempts,
                                          timeout_s=s.platform_timeout_s)
    return out


def bootstrap(settings: MarketplaceSyncSettings | None = None) -> Runtime:
    settings = settings or MarketplaceSyncSettings()
    runtime = build_runtime(settings)
    runtime.marketplaces = marketplaces(settings)
    runtime.platforms = list(runtime.marketplaces)
    runtime.sync = SyncWorker(runtime, runtime.marketplaces)
    registry.subscribe(runtime)
    return runtime


def sync_worker(runtime: Runtime) -> asyncio.Task:
    return runtime.sync.start()


def reconciler(runtime: Runtime) -> asyncio.Task:
    async def loop() -> None:
        while True:
            await asyncio.sleep(runtime.settings.reconcile_interval_s)
            with contextlib.suppress(Exception):
                await runtime.sync.reconcile()

    return asyncio.create_task(loop(), name="reconciler")
