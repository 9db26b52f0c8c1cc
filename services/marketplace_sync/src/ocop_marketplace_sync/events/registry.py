"""Subscribers of ``ocop.registry.v1`` for marketplace_sync: one thin typed handler per event type, each a
use case in the consumer's inbox transaction (``runtime.uow_in(session)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_marketplace_sync.app.commands import CertificateChanged, ProducerChanged, ProductChanged
from ocop_marketplace_sync.app.desired_listings import certificate_changed, product_changed
from ocop_marketplace_sync.app.sellers import producer_changed
from ocop_shared.events import models as m
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import REGISTRY
from ocop_shared.inbox import after_commit

if TYPE_CHECKING:
    from ocop_marketplace_sync.runtime import MarketplaceRuntime

CertificateEvent = (
    m.CertificateIssued | m.CertificateRenewed | m.CertificateUpgraded | m.CertificateRevoked | m.CertificateExpired
)
CERTIFICATE_EVENTS = get_args(CertificateEvent)


def subscribe(runtime: MarketplaceRuntime) -> None:
    consumer = runtime.consumer(REGISTRY)

    @consumer.on(m.ProducerRegistered)
    async def producer_registered(
        _event: CloudEvent, payload: m.ProducerRegistered, session: AsyncClientSession
    ) -> None:
        await producer_changed(ProducerChanged(payload.producer, payload.version), runtime.uow_in(session))

    @consumer.on(m.ProducerUpdated)
    async def producer_updated(_event: CloudEvent, payload: m.ProducerUpdated, session: AsyncClientSession) -> None:
        await producer_changed(ProducerChanged(payload.producer, payload.version), runtime.uow_in(session))

    async def certificate(_event: CloudEvent, payload: CertificateEvent, session: AsyncClientSession) -> None:
        cmd = CertificateChanged(payload.product, payload.certificate, payload.version)
        if await certificate_changed(cmd, runtime.uow_in(session), runtime.platforms):
            after_commit(session, runtime.sync.wake)  # the worker finds the listings once they are committed

    for model in CERTIFICATE_EVENTS:  # one handler: every certificate event carries the same three fields
        consumer.on(model)(certificate)

    @consumer.on(m.ProductUpdated)
    async def product_updated(_event: CloudEvent, payload: m.ProductUpdated, session: AsyncClientSession) -> None:
        if await product_changed(
            ProductChanged(payload.product, payload.version), runtime.uow_in(session), runtime.platforms
        ):
            after_commit(session, runtime.sync.wake)
