"""Subscribers of ``ocop.registry.v1`` (producers, products, certificates) and ``ocop.traceability.v1`` (stamp
runs, trail stages) for national_sync: thin typed handlers, each a use case in the consumer's inbox transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_national_sync.app.copies import producer_changed, product_changed, stage_recorded, stamps_issued
from ocop_shared.events import models as m
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import REGISTRY, TRACEABILITY
from ocop_shared.inbox import after_commit

if TYPE_CHECKING:
    from ocop_national_sync.runtime import NationalRuntime

CertificateEvent = (
    m.CertificateIssued | m.CertificateRenewed | m.CertificateUpgraded | m.CertificateRevoked | m.CertificateExpired
)
ProducerEvent = m.ProducerRegistered | m.ProducerUpdated
ProductEvent = m.ProductRegistered | m.ProductUpdated


def subscribe(runtime: NationalRuntime) -> None:
    registry = runtime.consumer(REGISTRY)
    traceability = runtime.consumer(TRACEABILITY)

    def woke(session: AsyncClientSession, changed: bool) -> None:
        if changed:  # the worker finds the change once it is committed
            after_commit(session, runtime.worker.wake)

    async def producer(_event: CloudEvent, payload: ProducerEvent, session: AsyncClientSession) -> None:
        woke(session, await producer_changed(payload.producer, payload.version, runtime.uow_in(session)))

    async def product(_event: CloudEvent, payload: ProductEvent, session: AsyncClientSession) -> None:
        woke(session, await product_changed(payload.product, payload.version, runtime.uow_in(session)))

    async def certificate(_event: CloudEvent, payload: CertificateEvent, session: AsyncClientSession) -> None:
        uow = runtime.uow_in(session)
        woke(session, await product_changed(payload.product, payload.version, uow, certificate=payload.certificate))

    for model in get_args(ProducerEvent):
        registry.on(model)(producer)
    for model in get_args(ProductEvent):
        registry.on(model)(product)
    for model in get_args(CertificateEvent):
        registry.on(model)(certificate)

    @traceability.on(m.StampRunIssued)
    async def stamp_run(_event: CloudEvent, payload: m.StampRunIssued, session: AsyncClientSession) -> None:
        woke(session, await stamps_issued(payload, runtime.uow_in(session)))

    @traceability.on(m.TrailEventRecorded)
    async def stage(_event: CloudEvent, payload: m.TrailEventRecorded, session: AsyncClientSession) -> None:
        woke(session, await stage_recorded(payload, runtime.uow_in(session)))
