"""marketplace_sync's unit of work: one MongoDB transaction (with its outbox rows) and the repositories."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_marketplace_sync.adapters.copies import ProducerCopyRepository, ProductCopyRepository
from ocop_marketplace_sync.adapters.listings import ListingRepository
from ocop_shared.uow import MongoUnitOfWork


class MarketplaceUnitOfWork(MongoUnitOfWork):
    listings: ListingRepository
    products: ProductCopyRepository  # copies of the registry's products, with their certificate
    producers: ProducerCopyRepository  # copies of the registry's producers (the sellers)

    def bind(self, session: AsyncClientSession | None) -> None:
        self.listings = ListingRepository(self.db, session, self.seen)
        self.products = ProductCopyRepository(self.db, session, self.seen)
        self.producers = ProducerCopyRepository(self.db, session, self.seen)
