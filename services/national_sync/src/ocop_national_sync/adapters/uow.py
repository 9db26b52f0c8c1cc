"""national_sync's unit of work: one MongoDB transaction (with its outbox rows) and the repositories."""

from __future__ import annotations

from ocop_national_sync.adapters.organisations import OrganisationRepository
from ocop_national_sync.adapters.records import RecordRepository
from ocop_national_sync.app.ports import UnitOfWork
from ocop_shared.uow import MongoUnitOfWork

COLLECTIONS = ["records", "organisations"]


class NationalUnitOfWork(MongoUnitOfWork, UnitOfWork):
    track_plain_reads = False  # the worker reads records for good; nothing it loads records events
    records: RecordRepository
    organisations: OrganisationRepository
