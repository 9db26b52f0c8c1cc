"""Composition root of marketplace_sync: settings → platform adapters → typed runtime (with its sync worker)
→ event subscribers, and the background tasks the app runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ocop_marketplace_sync.adapters.postmart import PostmartAdapter
from ocop_marketplace_sync.adapters.voso import VosoAdapter
from ocop_marketplace_sync.app.ports import Marketplace
from ocop_marketplace_sync.events import registry
from ocop_marketplace_sync.runtime import MarketplaceRuntime
from ocop_marketplace_sync.settings import MarketplaceSyncSettings
from ocop_shared.web import Runtime, build_runtime

__all__ = ["MarketplaceSyncSettings", "background", "bootstrap", "marketplaces"]


def marketplaces(s: MarketplaceSyncSettings) -> dict[str, Marketplace]:
    """One entry per enabled platform: adding a platform (e.g. Sendo) is an adapter and its settings."""
    out: dict[str, Marketplace] = {}
    calls: dict[str, Any] = {
        "attempts": s.sync_attempts,
        "timeout_s": s.platform_timeout_s,
    }  # retries and timeout of every call
    if s.voso_url:
        out["voso"] = VosoAdapter(
            s.voso_url, s.voso_client_id, s.voso_client_secret, rate_per_s=s.voso_rate_per_s, **calls
        )
    if s.postmart_url:
        out["postmart"] = PostmartAdapter(
            s.postmart_url, s.postmart_api_key, s.postmart_api_secret, rate_per_s=s.postmart_rate_per_s, **calls
        )
    return out


def bootstrap(settings: MarketplaceSyncSettings | None = None) -> MarketplaceRuntime:
    settings = settings or MarketplaceSyncSettings()
    runtime: MarketplaceRuntime = build_runtime(settings, cls=MarketplaceRuntime, marketplaces=marketplaces(settings))
    registry.subscribe(runtime)
    return runtime


def background(runtime: MarketplaceRuntime) -> list[Callable[[Runtime], asyncio.Task]]:
    """What the app starts once it serves: the sync worker and the periodic reconciliation."""
    interval = runtime.settings.reconcile_interval_s
    return [lambda _: runtime.sync.start(), lambda _: runtime.sync.start_reconciler(interval)]
