"""Composition root of the registry: settings → typed runtime → subscribers; start-up and the expiry job."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from pathlib import Path

from ocop_registry.adapters.criteria_files import load_sheets
from ocop_registry.adapters.evidence_store import GridFsEvidenceStore
from ocop_registry.adapters.uow import COLLECTIONS, ensure_indexes
from ocop_registry.app.commands import ExpireCertificates
from ocop_registry.app.expiry import expire_certificates
from ocop_registry.app.policy import SYSTEM
from ocop_registry.domain.certification import Councils
from ocop_registry.events import marketplace, traceability
from ocop_registry.runtime import RegistryRuntime, RegistrySettings
from ocop_shared import admin_units
from ocop_shared.logging import get_logger
from ocop_shared.web import Runtime, runtime_parts

log = get_logger(__name__)


def bootstrap(settings: RegistrySettings | None = None) -> RegistryRuntime:
    settings = settings or RegistrySettings()
    parts = runtime_parts(settings)
    runtime: RegistryRuntime = RegistryRuntime(
        **parts,
        councils=Councils(settings.council_max_stars),
        criteria=load_sheets(Path(settings.criteria_dir) if settings.criteria_dir else None),
        evidence=GridFsEvidenceStore(parts["client"], parts["db"]),
    )
    traceability.subscribe(runtime)
    marketplace.subscribe(runtime)
    return runtime


async def on_startup(runtime: Runtime) -> None:
    await ensure_indexes(runtime.db)
    # the address tables (≈0.5–1 s to build) are made off the request path, while the service starts serving
    asyncio.get_running_loop().run_in_executor(None, admin_units.warm)
    assert isinstance(runtime, RegistryRuntime)
    with contextlib.suppress(Exception):  # files a crash left between storing and committing (best effort)
        swept = await runtime.evidence.sweep(await runtime.uow().dossiers.file_ids())
        if swept:
            log.info("evidence.orphans_deleted", count=swept)


def expiry_job(runtime: Runtime) -> asyncio.Task:
    """Expire certificates past ``valid_until`` at start-up and then every ``expiry_interval_s``."""
    assert isinstance(runtime, RegistryRuntime)

    async def loop() -> None:
        while True:
            with contextlib.suppress(Exception):
                expired = await expire_certificates(ExpireCertificates(date.today()), SYSTEM, runtime.uow)
                if expired:
                    log.info("certificates.expired", count=len(expired))
            await asyncio.sleep(runtime.settings.expiry_interval_s)

    return asyncio.create_task(loop(), name="certificate-expiry")


__all__ = ["COLLECTIONS", "RegistrySettings", "bootstrap", "expiry_job", "on_startup"]
