"""Composition root of traceability."""

from __future__ import annotations

from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime
from ocop_traceability.events import registry


class TraceabilitySettings(ServiceSettings):
    service_name: str = "traceability"
    port: int = 8002
    mongo_db: str = "traceability"


def bootstrap(settings: TraceabilitySettings | None = None) -> Runtime:
    runtime = build_runtime(settings or TraceabilitySettings())
    registry.subscribe(runtime)
    return runtime
