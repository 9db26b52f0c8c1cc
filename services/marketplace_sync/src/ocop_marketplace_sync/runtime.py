"""marketplace_sync's runtime: the shared parts (clients, relay, key) plus the platforms and the sync worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from fastapi import Depends
from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_marketplace_sync.adapters.dead_letters import KafkaDeadLetters
from ocop_marketplace_sync.adapters.uow import MarketplaceUnitOfWork
from ocop_marketplace_sync.app.ports import Marketplace
from ocop_marketplace_sync.app.sync_worker import SyncWorker
from ocop_marketplace_sync.settings import MarketplaceSyncSettings
from ocop_shared.uow import MongoUnitOfWork
from ocop_shared.web import Runtime, runtime_of


@dataclass(kw_only=True)
class MarketplaceRuntime(Runtime):
    uow_class: ClassVar[type[MongoUnitOfWork]] = MarketplaceUnitOfWork

    settings: MarketplaceSyncSettings
    marketplaces: dict[str, Marketplace]  # one adapter per enabled platform, by name
    # made from the parts above: it opens this runtime's units of work and publishes to its broker
    sync: SyncWorker = field(init=False)

    def __post_init__(self) -> None:
        self.sync = SyncWorker(self.uow, self.marketplaces, KafkaDeadLetters(self.broker))

    @property
    def platforms(self) -> list[str]:
        return list(self.marketplaces)

    def uow(self) -> MarketplaceUnitOfWork:  # typed: this service's unit of work
        return super().uow()

    def uow_in(self, session: AsyncClientSession) -> MarketplaceUnitOfWork:
        return super().uow_in(session)


RuntimeDep = Annotated[MarketplaceRuntime, Depends(runtime_of)]
