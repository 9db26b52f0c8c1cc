"""Subscriber of ``ocop.registry.v1`` for traceability: producers, products and certificates."""

from __future__ import annotations

from ocop_shared.events import models as m
from ocop_shared.events.models import REGISTRY
from ocop_shared.projection import follow_producers
from ocop_shared.web import Runtime
from ocop_traceability.app.catalog_copy import apply_certificate, apply_product
from ocop_traceability.app.producer_copy import apply_producer

CERTIFICATE_EVENTS = (m.CertificateIssued, m.CertificateRenewed, m.CertificateUpgraded, m.CertificateRevoked,
                      m.CertificateExpired)


def subscribe(runtime: Runtime) -> None:
    consumer = runtime.consumer(REGISTRY)
    async def producer_changed(producer, version, session) -> None:
        await apply_producer(runtime.db, producer, version, session)
        runtime.scan.invalidate(producer_id=producer.producer_id)

    follow_producers(consumer, producer_changed)

    for model in (m.ProductRegistered, m.ProductUpdated):
        @consumer.on(model)
        async def product(event, payload, session) -> None:
            await apply_product(runtime.db, payload.product, payload.version, session)
            runtime.scan.invalidate(product_id=payload.product.product_id)

    for model in CERTIFICATE_EVENTS:
        @consumer.on(model)
        async def certificate(event, payload, session) -> None:
            await apply_certificate(runtime.db, payload.product, payload.certificate, payload.version, session)
            runtime.scan.invalidate(product_id=payload.product.product_id)
