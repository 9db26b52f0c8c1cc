"""Composition root of the registry: settings → runtime → app."""

from __future__ import annotations

from ocop_registry.adapters.repository import ensure_indexes
from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    port: int = 8001
    mongo_db: str = "registry"


def bootstrap(settings: RegistrySettings | None = None) -> Runtime:
    return build_runtime(settings or RegistrySettings())


async def on_startup(runtime: Runtime) -> None:
    await ensure_indexes(runtime.db)
