"""Subscriber of ``ocop.registry.v1`` for marketplace_sync."""

from __future__ import annotations

from ocop_shared.events.models import REGISTRY, ProducerRegistered, ProducerUpdated
from ocop_shared.web import Runtime
from ocop_marketplace_sync.app.producer_copy import apply_producer


def subscribe(runtime: Runtime) -> None:
    registry = runtime.consumer(REGISTRY)

    @registry.on(ProducerRegistered)
    async def producer_registered(event, payload: ProducerRegistered, session) -> None:
        await apply_producer(runtime.db, payload.producer, payload.version, session)

    @registry.on(ProducerUpdated)
    async def producer_updated(event, payload: ProducerUpdated, session) -> None:
        await apply_producer(runtime.db, payload.producer, payload.version, session)
