"""The registry's unit of work: one MongoDB transaction over its repositories and its outbox.

Repositories are bound to the transaction's session inside ``async with uow:`` and work without one for
plain reads before or after it (lists, reports: the embedded server serializes transactions, so reads never
open one). Events the products record (certificate transitions) are collected at commit.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from ocop_registry.adapters.copies import ListingStatusRepository, TracedProductRepository
from ocop_registry.adapters.dossiers import CouncilRepository, DossierRepository, MemberScoreRepository
from ocop_registry.adapters.repositories import (
    CertificateRepository,
    EvaluationRepository,
    LoginAttemptRepository,
    ProducerRepository,
    ProductRepository,
    UserRepository,
)
from ocop_registry.app.ports import UnitOfWork
from ocop_shared.sessions import RevokedSessions
from ocop_shared.uow import MongoUnitOfWork

COLLECTIONS = [
    "producers",
    "products",
    "evaluations",
    "certificates",
    "traced_products",
    "users",
    "listing_status",
    "dossiers",
    "councils",
    "council_scores",
    "login_attempts",
]  # not GridFS's evidence.files / evidence.chunks: the embedded server refuses to create a dotted name (their
# first write creates them; reads before it find nothing)


class RegistryUnitOfWork(MongoUnitOfWork, UnitOfWork):
    producers: ProducerRepository
    products: ProductRepository
    evaluations: EvaluationRepository
    certificates: CertificateRepository
    users: UserRepository
    listings: ListingStatusRepository
    traced: TracedProductRepository
    dossiers: DossierRepository
    councils: CouncilRepository
    scores: MemberScoreRepository
    attempts: LoginAttemptRepository
    revocations: RevokedSessions


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
    await db.dossiers.create_index("natural_key", unique=True)  # one dossier per product and cycle year
    await db.dossiers.create_index("product_id")
    await db.dossiers.create_index("producer_id")
    await db.council_scores.create_index("council_id")
    # GridFS's own {files_id, n} index is compound, which the embedded server does not use: reading a file
    # would scan every chunk
    await db["evidence.chunks"].create_index("files_id")
