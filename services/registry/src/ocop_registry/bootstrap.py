"""Composition root of the registry: settings → runtime (+ subscribers) → app."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date

from pydantic import Field

from ocop_registry.adapters.repository import COLLECTIONS, ensure_indexes
from ocop_registry.app.certificates import expire_due
from ocop_registry.events import marketplace, traceability
from ocop_shared.logging import get_logger
from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime

log = get_logger(__name__)


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    port: int = 8001
    mongo_db: str = "registry"
    # Highest star rank each council level may recognise (configuration, not code: the 07/2025 reform
    # changed the levels). Evaluations name one of these levels.
    council_max_stars: dict[str, int] = Field(default_factory=lambda: {"commune": 3, "district": 3, "province": 4,
                                                                        "central": 5})
    expiry_interval_s: float = 3600.0


def bootstrap(settings: RegistrySettings | None = None) -> Runtime:
    runtime = build_runtime(settings or RegistrySettings())
    traceability.subscribe(runtime)
    marketplace.subscribe(runtime)
    return runtime


async def on_startup(runtime: Runtime) -> None:
    await ensure_indexes(runtime.db)


def expiry_job(runtime: Runtime) -> asyncio.Task:
    """Expire certificates past ``valid_until`` at start-up and then every ``expiry_interval_s``."""

    async def loop() -> None:
        while True:
            with contextlib.suppress(Exception):
                expired = await expire_due(date.today(), runtime.uow)
                if expired:
                    log.info("certificates.expired", count=len(expired))
            await asyncio.sleep(runtime.settings.expiry_interval_s)

    return asyncio.create_task(loop(), name="certificate-expiry")


__all__ = ["RegistrySettings", "bootstrap", "on_startup", "expiry_job", "COLLECTIONS"]
