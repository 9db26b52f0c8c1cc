"""national_sync's unit of work: one MongoDB transaction (with its outbox rows) and the repositories."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from ocop_national_sync.adapters.organisations import OrganisationRepository
from ocop_national_sync.adapters.records import RecordRepository
from ocop_national_sync.app.ports import UnitOfWork
from ocop_shared.uow import MongoUnitOfWork

COLLECTIONS = ["records", "producers"]


class NationalUnitOfWork(MongoUnitOfWork, UnitOfWork):
    track_plain_reads = False  # the worker reads records for good; nothing it loads records events
    records: RecordRepository
    organisations: OrganisationRepository


async def ensure_indexes(db: AsyncDatabase) -> None:
    # Single-field indexes only (the embedded server does not use compound ones).
    await db.records.create_index("state")  # the worker's due records
    await db.records.create_index("producer_id")  # a producer's records (scope, producer changes)
    await db.producers.create_index("province.code")  # an official's provinces
