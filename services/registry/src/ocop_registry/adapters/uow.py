"""The registry's unit of work: one MongoDB transaction over its repositories and its outbox.

Repositories are bound to the transaction's session inside ``async with uow:`` and work without one for
plain reads before or after it (lists, reports: the embedded server serializes transactions, so reads never
open one). Events the products record (certificate transitions) are collected at commit.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from ocop_registry.adapters.copies import ListingStatusRepository, PortalStatusRepository, TracedProductRepository
from ocop_registry.adapters.repositories import (
    CertificateRepository,
    EvaluationRepository,
    ProducerRepository,
    ProductRepository,
    UserRepository,
)
from ocop_registry.app.ports import UnitOfWork
from ocop_shared.uow import MongoUnitOfWork

COLLECTIONS = [
    "producers",
    "products",
    "evaluations",
    "certificates",
    "traced_products",
    "users",
    "listing_status",
    "portal_status",
]


class RegistryUnitOfWork(MongoUnitOfWork, UnitOfWork):
    producers: ProducerRepository
    products: ProductRepository
    evaluations: EvaluationRepository
    certificates: CertificateRepository
    users: UserRepository
    listings: ListingStatusRepository
    traced: TracedProductRepository
    portal: PortalStatusRepository  # the national traceability portal (national_sync's events)


async def ensure_indexes(db: AsyncDatabase) -> None:
    # Single-field indexes only (the embedded server does not use compound ones).
    await db.producers.create_index("tax_code", unique=True)
    await db.producers.create_index("province.code")
    await db.products.create_index("natural_key", unique=True)
    await db.products.create_index("producer_id")
    await db.evaluations.create_index("product_id")
    await db.certificates.create_index("product_id")
    await db.listing_status.create_index("product_id")
    await db.certificates.create_index("status")
    await db.certificates.create_index("valid_until")
