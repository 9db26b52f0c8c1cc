"""Traceability's unit of work: one transaction over its repositories and the outbox; outside
``async with`` the same repositories serve plain reads (and the gated writes of jobs and scans)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.uow import MongoUnitOfWork
from ocop_traceability.adapters.batches import Batches, TrailEvents
from ocop_traceability.adapters.copies import ProducerCopies, ProductCopies
from ocop_traceability.adapters.places import GrowingAreas, PackingHouses
from ocop_traceability.adapters.scans import CloneAlerts, ScanRecords
from ocop_traceability.adapters.stamps import StampRuns, Stamps

COLLECTIONS = [
    "producers",
    "products",
    "growing_areas",
    "packing_houses",
    "batches",
    "batch_events",
    "stamp_runs",
    "stamps",
    "scans",
    "clone_alerts",
]


class TraceabilityUnitOfWork(MongoUnitOfWork):
    producers: ProducerCopies
    products: ProductCopies
    growing_areas: GrowingAreas
    packing_houses: PackingHouses
    batches: Batches
    trail: TrailEvents
    stamp_runs: StampRuns
    stamps: Stamps
    scans: ScanRecords
    clone_alerts: CloneAlerts

    def bind(self, session: AsyncClientSession | None) -> None:
        # only a transaction commits events: outside one nothing is tracked (the scan page's long-lived reads
        # would otherwise keep every record they ever loaded)
        db, seen = self.db, (self.seen if session is not None else None)
        self.producers = ProducerCopies(db, session, seen)
        self.products = ProductCopies(db, session, seen)
        self.growing_areas = GrowingAreas(db, session, seen)
        self.packing_houses = PackingHouses(db, session, seen)
        self.batches = Batches(db, session, seen)
        self.trail = TrailEvents(db, session, seen)
        self.stamp_runs = StampRuns(db, session, seen)
        self.stamps = Stamps(db, session, seen)
        self.scans = ScanRecords(db, session, seen)
        self.clone_alerts = CloneAlerts(db, session, seen)


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Single-field indexes only (the embedded server uses no compound index)."""
    await db.batches.create_index("lot_key", unique=True)
    await db.batches.create_index("product_id")
    await db.products.create_index("gtin")  # the GS1 resolver finds products by GTIN
    await db.batch_events.create_index("batch_id")
    await db.stamps.create_index("run_id")
    await db.growing_areas.create_index("producer_id")
    await db.clone_alerts.create_index("producer_id")
