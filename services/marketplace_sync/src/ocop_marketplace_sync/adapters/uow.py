"""marketplace_sync's unit of work: one MongoDB transaction (with its outbox rows) and the repositories."""

from __future__ import annotations

from ocop_marketplace_sync.adapters.copies import ProducerCopyRepository, ProductCopyRepository
from ocop_marketplace_sync.adapters.listings import ListingRepository
from ocop_marketplace_sync.app.ports import UnitOfWork
from ocop_shared.uow import MongoUnitOfWork


class MarketplaceUnitOfWork(MongoUnitOfWork, UnitOfWork):
    listings: ListingRepository
    products: ProductCopyRepository  # copies of the registry's products, with their certificate
    producers: ProducerCopyRepository  # copies of the registry's producers (the sellers)
