"""Traceability's unit of work: one transaction over its repositories and the outbox; outside
``async with`` the same repositories serve plain reads (and the gated writes of jobs and scans)."""

from __future__ import annotations

from collections.abc import Callable

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.uow import MongoUnitOfWork
from ocop_traceability.adapters.batches import Batches, TrailEvents
from ocop_traceability.adapters.copies import ProducerCopies, ProductCopies
from ocop_traceability.adapters.epcis.jobs import CaptureJobs
from ocop_traceability.adapters.epcis.lookups import EpcisLookups
from ocop_traceability.adapters.epcis.store import COLLECTIONS as EPCIS_COLLECTIONS
from ocop_traceability.adapters.epcis.store import EpcisEvents, ensure_epcis_indexes
from ocop_traceability.adapters.epcis.subscriptions import Deliveries, NamedQueries, Subscriptions
from ocop_traceability.adapters.places import GrowingAreas, PackingHouses
from ocop_traceability.adapters.scans import CloneAlerts, ScanRecords
from ocop_traceability.adapters.stamps import StampRuns, Stamps
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.epcis.ids import EpcisConfig

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
    *EPCIS_COLLECTIONS,
]


class TraceabilityUnitOfWork(MongoUnitOfWork, TraceabilityUow):
    # only a transaction commits events: outside one nothing is tracked (the scan page's long-lived reads
    # would otherwise keep every record they ever loaded)
    track_plain_reads = False

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
    epcis: EpcisEvents
    epcis_lookups: EpcisLookups
    capture_jobs: CaptureJobs
    named_queries: NamedQueries
    subscriptions: Subscriptions
    deliveries: Deliveries
    # what EPCIS events are minted with (the runtime's; the default serves units of work that mint none)
    epcis_config: EpcisConfig = EpcisConfig.default()

    def __init__(
        self,
        client: AsyncMongoClient,
        db: AsyncDatabase,
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
        epcis_config: EpcisConfig | None = None,
    ) -> None:
        if epcis_config is not None:
            self.epcis_config = epcis_config
        super().__init__(client, db, source=source, on_commit=on_commit)


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Single-field indexes only (the embedded server uses no compound index)."""
    await db.batches.create_index("lot_key", unique=True)
    await db.batches.create_index("product_id")
    await db.products.create_index("gtin")  # the GS1 resolver finds products by GTIN
    await db.batch_events.create_index("batch_id")
    await db.stamps.create_index("run_id")
    await db.growing_areas.create_index("producer_id")
    await db.clone_alerts.create_index("producer_id")
    await ensure_epcis_indexes(db)
