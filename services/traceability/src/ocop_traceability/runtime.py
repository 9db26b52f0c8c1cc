"""Traceability's runtime: the shared parts plus its own, as declared fields (built by ``bootstrap``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from fastapi import Depends
from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_shared.web import Runtime, runtime_of
from ocop_traceability.adapters.epcis.schema import EpcisSchemas
from ocop_traceability.adapters.epcis.webhook import WebhookSender
from ocop_traceability.adapters.sheet_files import SheetFiles
from ocop_traceability.adapters.uow import TraceabilityUnitOfWork
from ocop_traceability.app.epcis.capture import CaptureLimits, CaptureWorker
from ocop_traceability.app.epcis.delivery import Dispatcher
from ocop_traceability.app.epcis.query import PageTokens
from ocop_traceability.app.resolver import Resolver
from ocop_traceability.app.scan import RateLimiter, ScanService
from ocop_traceability.app.stamp_jobs import StampRunJobs
from ocop_traceability.domain.epcis.ids import EpcisConfig
from ocop_traceability.settings import TraceabilitySettings


@dataclass(kw_only=True)
class EpcisParts:
    """EPCIS 2.0: what its routes and background work use."""

    config: EpcisConfig
    limits: CaptureLimits
    schemas: EpcisSchemas
    tokens: PageTokens
    capture: CaptureWorker
    dispatcher: Dispatcher
    sender: WebhookSender


@dataclass(kw_only=True)
class TraceabilityRuntime(Runtime):
    uow_class: ClassVar[type[TraceabilityUnitOfWork]] = TraceabilityUnitOfWork

    settings: TraceabilitySettings
    scan: ScanService  # the public scan page: caches and buffered scan records
    scan_limiter: RateLimiter  # per network prefix, on the scan URLs
    resolver: Resolver  # the GS1 resolver on the stamp URLs (linksets, link types)
    stamp_jobs: StampRunJobs  # this instance's stamp-run generation
    sheets: SheetFiles  # rendered PDF sheets
    epcis: EpcisParts

    def uow(self) -> TraceabilityUnitOfWork:
        return self.uow_class(
            self.client, self.db, source=self.source, on_commit=self.relay.wake, epcis_config=self.epcis.config
        )

    def uow_in(self, session: AsyncClientSession) -> TraceabilityUnitOfWork:
        uow = self.uow_class.joined(self.client, self.db, session, source=self.source, on_commit=self.relay.wake)
        uow.epcis_config = self.epcis.config
        return uow


# FastAPI dependencies of the API routers and console pages: the runtime, and a unit of work per request
RuntimeDep = Annotated[TraceabilityRuntime, Depends(runtime_of)]


def new_uow(runtime: RuntimeDep) -> TraceabilityUnitOfWork:
    return runtime.uow()


UowDep = Annotated[TraceabilityUnitOfWork, Depends(new_uow)]
