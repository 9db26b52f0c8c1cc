"""Composition root of national_sync: settings → portal adapter → typed runtime (with its worker) → event
subscribers, and the background task the app runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ocop_national_sync.adapters.portal import PortalAdapter
from ocop_national_sync.adapters.uow import ensure_indexes
from ocop_national_sync.events import subscribers
from ocop_national_sync.runtime import NationalRuntime
from ocop_national_sync.settings import NationalSyncSettings
from ocop_shared.web import Runtime, build_runtime

__all__ = ["NationalSyncSettings", "background", "bootstrap", "on_startup", "portal"]


def portal(s: NationalSyncSettings) -> PortalAdapter | None:
    if not s.national_portal_url:
        return None
    return PortalAdapter(
        s.national_portal_url,
        s.national_portal_client_id,
        s.national_portal_client_secret,
        attempts=s.portal_attempts,
        timeout_s=s.portal_timeout_s,
    )


def bootstrap(settings: NationalSyncSettings | None = None) -> NationalRuntime:
    settings = settings or NationalSyncSettings()
    runtime: NationalRuntime = build_runtime(settings, cls=NationalRuntime, portal=portal(settings))
    subscribers.subscribe(runtime)
    return runtime


async def on_startup(runtime: Runtime) -> None:
    await ensure_indexes(runtime.db)


def background(runtime: NationalRuntime) -> list[Callable[[Runtime], asyncio.Task]]:
    return [lambda _: runtime.worker.start()]
