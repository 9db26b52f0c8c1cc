"""Registry subscriber of ``ocop.national.v1``: which products are on the national traceability portal, as
national_sync reports it (KPI report: "on the national portal")."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_registry.app.copies import PortalEvent, record_portal_state
from ocop_registry.runtime import RegistryRuntime
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import NATIONAL, PortalProductFailed, PortalProductPublished, PortalProductWithdrawn


def subscribe(runtime: RegistryRuntime) -> None:
    consumer = runtime.consumer(NATIONAL)

    async def portal_state(event: CloudEvent, payload: PortalEvent, session: AsyncClientSession) -> None:
        await record_portal_state(payload, event.time, runtime.uow_in(session))

    for model in (PortalProductPublished, PortalProductWithdrawn, PortalProductFailed):
        consumer.on(model)(portal_state)
