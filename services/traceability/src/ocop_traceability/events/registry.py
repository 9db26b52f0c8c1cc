"""Subscribers of ``ocop.registry.v1``: producers, products and certificates keep traceability's copies
current (one typed handler per event type), and the scan page's cache forgets what changed at once."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_shared.events import models as m
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import REGISTRY
from ocop_traceability.app.commands import CopyProducer, CopyProduct
from ocop_traceability.app.copies import copy_producer, copy_product
from ocop_traceability.runtime import TraceabilityRuntime


def subscribe(runtime: TraceabilityRuntime) -> None:
    on = runtime.consumer(REGISTRY).on

    async def producer(snapshot: m.ProducerSnapshot, version: int, session: AsyncClientSession) -> None:
        await copy_producer(CopyProducer(snapshot, version), runtime.uow_in(session))
        runtime.scan.invalidate(producer_id=snapshot.producer_id)

    async def product(cmd: CopyProduct, session: AsyncClientSession) -> None:
        await copy_product(cmd, runtime.uow_in(session))
        runtime.scan.invalidate(product_id=cmd.product.product_id)

    @on(m.ProducerRegistered)
    async def producer_registered(_e: CloudEvent, p: m.ProducerRegistered, session: AsyncClientSession) -> None:
        await producer(p.producer, p.version, session)

    @on(m.ProducerUpdated)
    async def producer_updated(_e: CloudEvent, p: m.ProducerUpdated, session: AsyncClientSession) -> None:
        await producer(p.producer, p.version, session)

    @on(m.ProductRegistered)
    async def product_registered(_e: CloudEvent, p: m.ProductRegistered, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version), session)

    @on(m.ProductUpdated)
    async def product_updated(_e: CloudEvent, p: m.ProductUpdated, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version), session)

    # certificate events carry the product snapshot and the certificate as it now is
    @on(m.CertificateIssued)
    async def certificate_issued(_e: CloudEvent, p: m.CertificateIssued, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version, p.certificate), session)

    @on(m.CertificateRenewed)
    async def certificate_renewed(_e: CloudEvent, p: m.CertificateRenewed, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version, p.certificate), session)

    @on(m.CertificateUpgraded)
    async def certificate_upgraded(_e: CloudEvent, p: m.CertificateUpgraded, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version, p.certificate), session)

    @on(m.CertificateRevoked)
    async def certificate_revoked(_e: CloudEvent, p: m.CertificateRevoked, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version, p.certificate), session)

    @on(m.CertificateExpired)
    async def certificate_expired(_e: CloudEvent, p: m.CertificateExpired, session: AsyncClientSession) -> None:
        await product(CopyProduct(p.product, p.version, p.certificate), session)
