"""Subscriber of ``ocop.registry.v1`` for marketplace_sync: sellers, products and certificates."""

from __future__ import annotations

from ocop_marketplace_sync.app.drafts import certificate_changed, product_changed
from ocop_marketplace_sync.app.producer_copy import apply_producer
from ocop_shared.events import models as m
from ocop_shared.events.models import REGISTRY
from ocop_shared.projection import follow_producers
from ocop_shared.web import Runtime

CERTIFICATE_EVENTS = (m.CertificateIssued, m.CertificateRenewed, m.CertificateUpgraded, m.CertificateRevoked,
                      m.CertificateExpired)


def subscribe(runtime: Runtime) -> None:
    consumer = runtime.consumer(REGISTRY)
    follow_producers(consumer, lambda producer, version, session: apply_producer(runtime.db, producer, version, session))

    for model in CERTIFICATE_EVENTS:
        @consumer.on(model)
        async def certificate(event, payload, session) -> None:
            await certificate_changed(runtime, payload.product, payload.certificate, payload.version, session)

    @consumer.on(m.ProductUpdated)
    async def product(event, payload: m.ProductUpdated, session) -> None:
        await product_changed(runtime, payload.product, payload.version, session)
