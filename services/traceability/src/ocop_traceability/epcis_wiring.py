"""EPCIS 2.0's part of the composition root: its parts from the settings, and its background work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ocop_shared.logging import get_logger
from ocop_traceability.adapters.epcis.schema import EpcisSchemas
from ocop_traceability.adapters.epcis.subscriptions import DispatcherLease
from ocop_traceability.adapters.epcis.webhook import WebhookSender
from ocop_traceability.adapters.uow import TraceabilityUnitOfWork
from ocop_traceability.app.epcis import trail as epcis_trail
from ocop_traceability.app.epcis.capture import CaptureLimits, CaptureWorker
from ocop_traceability.app.epcis.delivery import Dispatcher
from ocop_traceability.app.epcis.query import PageTokens
from ocop_traceability.domain.epcis.ids import EpcisConfig, Minting
from ocop_traceability.runtime import EpcisParts
from ocop_traceability.settings import TraceabilitySettings

if TYPE_CHECKING:
    from ocop_traceability.runtime import TraceabilityRuntime

log = get_logger(__name__)


def epcis_parts(
    settings: TraceabilitySettings, parts: dict[str, Any], new_uow: Callable[[], TraceabilityUnitOfWork]
) -> EpcisParts:
    sender = WebhookSender(
        allow_private=settings.epcis_webhook_allow_private, timeout_s=settings.epcis_webhook_timeout_s
    )
    return EpcisParts(
        config=EpcisConfig(Minting.of(settings.epcis_base), settings.epcis_max_stamps_listed),
        limits=CaptureLimits(settings.epcis_capture_limit, settings.epcis_capture_max_bytes),
        schemas=EpcisSchemas(),
        tokens=PageTokens(parts["secret_key"]),  # the host's local secret (HMAC)
        capture=CaptureWorker(new_uow),
        dispatcher=Dispatcher(
            new_uow,
            sender,
            DispatcherLease(parts["db"]),
            interval_s=settings.epcis_dispatch_interval_s,
            batch=settings.epcis_delivery_batch,
            retry_base_s=settings.epcis_retry_base_s,
            retry_max_s=settings.epcis_retry_max_s,
        ),
        sender=sender,
    )


def epcis_workers(runtime: TraceabilityRuntime) -> asyncio.Task:
    """Capture jobs (resumed after a restart) and subscription deliveries; at start, the stamp changes a
    crash interrupted and the one-off back-fill of what was recorded before EPCIS."""

    async def work() -> None:
        parts = runtime.epcis
        tasks = [
            asyncio.create_task(parts.capture.watch(), name="epcis-capture"),
            asyncio.create_task(parts.dispatcher.run(), name="epcis-dispatch"),
        ]
        try:
            try:
                await epcis_trail.resume_changes(runtime.uow())
                await epcis_trail.backfill(runtime.uow())
            except Exception:
                log.warning("epcis.startup_work_failed", exc_info=True)
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await parts.sender.close()

    return asyncio.create_task(work(), name="epcis")
