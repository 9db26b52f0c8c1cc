"""The unit of work tracks loaded records (to collect the events they record) only inside a transaction:
the scan page's long-lived reads must not keep every record they ever loaded."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from ocop_traceability.adapters.uow import TraceabilityUnitOfWork

REPOSITORIES = (
    "producers",
    "products",
    "growing_areas",
    "packing_houses",
    "batches",
    "trail",
    "stamp_runs",
    "stamps",
    "scans",
    "clone_alerts",
)


def test_plain_reads_track_nothing_a_joined_unit_tracks_all() -> None:
    client: AsyncMongoClient = AsyncMongoClient("mongodb://127.0.0.1:9", connect=False)  # never contacted
    db = client["traceability"]
    reads = TraceabilityUnitOfWork(client, db, source="/ocop/traceability")
    assert all(getattr(reads, name)._seen is None for name in REPOSITORIES)
    joined = TraceabilityUnitOfWork.joined(client, db, object(), source="/ocop/traceability")  # type: ignore[arg-type]
    assert all(getattr(joined, name)._seen is joined.seen for name in REPOSITORIES)
