"""Composition root of traceability."""

from __future__ import annotations

from pydantic import Field

from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime
from ocop_traceability.app.stamp_runs import resume_jobs
from ocop_traceability.domain.codes import DEFAULT_AREA_SCHEMES
from ocop_traceability.events import registry

COLLECTIONS = ["producers", "products", "growing_areas", "packing_houses", "batches", "batch_events", "stamp_runs",
               "stamps"]


class TraceabilitySettings(ServiceSettings):
    service_name: str = "traceability"
    port: int = 8002
    mongo_db: str = "traceability"
    # The host printed in stamps (QR). Short, because it is in every QR code.
    stamp_base_url: str = "http://127.0.0.1:8002"
    max_stamps_per_run: int = 200_000
    area_code_schemes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_AREA_SCHEMES))


def bootstrap(settings: TraceabilitySettings | None = None) -> Runtime:
    runtime = build_runtime(settings or TraceabilitySettings())
    registry.subscribe(runtime)
    return runtime


async def on_startup(runtime: Runtime) -> None:
    db = runtime.db
    await db.batches.create_index("lot_key", unique=True)
    await db.batches.create_index("product_id")
    await db.batch_events.create_index("batch_id")
    await db.stamps.create_index("run_id")
    await db.growing_areas.create_index("producer_id")
    await resume_jobs(runtime)
