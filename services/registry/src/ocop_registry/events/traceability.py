"""Registry subscriber of ``ocop.traceability.v1``: which products have traceability stamps (KPI report) and the
growing areas with their outline (the public portal)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_registry.app.copies import record_area, record_stamp_run
from ocop_registry.runtime import RegistryRuntime
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import TRACEABILITY, GrowingAreaRegistered, StampRunIssued


def subscribe(runtime: RegistryRuntime) -> None:
    consumer = runtime.consumer(TRACEABILITY)

    @consumer.on(GrowingAreaRegistered)
    async def growing_area_registered(
        _event: CloudEvent, payload: GrowingAreaRegistered, session: AsyncClientSession
    ) -> None:
        await record_area(payload, runtime.uow_in(session))
        runtime.portal.invalidate()  # the map and the producer's product pages

    @consumer.on(StampRunIssued)
    async def stamp_run_issued(_event: CloudEvent, payload: StampRunIssued, session: AsyncClientSession) -> None:
        await record_stamp_run(payload, runtime.uow_in(session))
