"""Subscribers of ``ocop.registry.v1``: producers, products and certificates keep traceability's copies
current, and the scan page's cache forgets what changed as soon as the change is committed.

Every event type gets its typed handler; the types that carry the same change share it: producer.registered
and producer.updated (a producer snapshot), product.registered and product.updated (a product snapshot), and
the five certificate events (the product snapshot with its certificate as it now is).
"""

from __future__ import annotations

from functools import partial

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_shared.events import models as m
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import REGISTRY
from ocop_shared.inbox import after_commit
from ocop_shared.projection import follow_producers
from ocop_traceability.app.commands import CopyProducer, CopyProduct
from ocop_traceability.app.copies import copy_producer, copy_product
from ocop_traceability.runtime import TraceabilityRuntime

ProductEvent = m.ProductRegistered | m.ProductUpdated
CertificateEvent = (
    m.CertificateIssued | m.CertificateRenewed | m.CertificateUpgraded | m.CertificateRevoked | m.CertificateExpired
)


def subscribe(runtime: TraceabilityRuntime) -> None:
    consumer = runtime.consumer(REGISTRY)

    async def producer_changed(producer: m.ProducerSnapshot, version: int, session: AsyncClientSession) -> None:
        await copy_producer(CopyProducer(producer, version), runtime.uow_in(session))
        after_commit(session, partial(runtime.scan.invalidate, producer_id=producer.producer_id))

    async def product_changed(_event: CloudEvent, payload: ProductEvent, session: AsyncClientSession) -> None:
        await copy_product(CopyProduct(payload.product, payload.version), runtime.uow_in(session))
        after_commit(session, partial(runtime.scan.invalidate, product_id=payload.product.product_id))

    async def certificate_changed(_event: CloudEvent, payload: CertificateEvent, session: AsyncClientSession) -> None:
        cmd = CopyProduct(payload.product, payload.version, payload.certificate)
        await copy_product(cmd, runtime.uow_in(session))
        after_commit(session, partial(runtime.scan.invalidate, product_id=payload.product.product_id))

    follow_producers(consumer, producer_changed)
    for product_event in (m.ProductRegistered, m.ProductUpdated):
        consumer.on(product_event)(product_changed)
    for certificate_event in (
        m.CertificateIssued,
        m.CertificateRenewed,
        m.CertificateUpgraded,
        m.CertificateRevoked,
        m.CertificateExpired,
    ):
        consumer.on(certificate_event)(certificate_changed)
