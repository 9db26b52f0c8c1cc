"""national_sync's runtime: the shared parts (clients, relay, key) plus the portal adapter and the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, ClassVar

from fastapi import Depends
from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_national_sync.adapters.dead_letters import KafkaDeadLetters
from ocop_national_sync.adapters.uow import NationalUnitOfWork
from ocop_national_sync.app.ports import Portal
from ocop_national_sync.app.worker import PortalWorker
from ocop_national_sync.settings import NationalSyncSettings
from ocop_shared.uow import MongoUnitOfWork
from ocop_shared.web import Runtime, runtime_of


@dataclass(kw_only=True)
class NationalRuntime(Runtime):
    uow_class: ClassVar[type[MongoUnitOfWork]] = NationalUnitOfWork

    settings: NationalSyncSettings
    portal: Portal | None  # None: OCOP_NATIONAL_PORTAL_URL is empty (records kept, nothing sent)
    worker: PortalWorker = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.worker = PortalWorker(
            self.uow,
            self.portal,
            KafkaDeadLetters(self.broker),
            concurrency=s.portal_concurrency,
            retry_base=timedelta(seconds=s.portal_retry_base_s),
        )

    def uow(self) -> NationalUnitOfWork:  # typed: this service's unit of work
        return super().uow()

    def uow_in(self, session: AsyncClientSession) -> NationalUnitOfWork:
        return super().uow_in(session)


RuntimeDep = Annotated[NationalRuntime, Depends(runtime_of)]
