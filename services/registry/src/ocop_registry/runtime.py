"""The registry's settings and typed runtime (what ``bootstrap`` builds and every route and subscriber uses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from fastapi import Depends
from pydantic import Field
from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_registry.adapters.evidence_store import GridFsEvidenceStore
from ocop_registry.adapters.uow import RegistryUnitOfWork
from ocop_registry.app.portal import PortalCache
from ocop_registry.domain.certification import Councils
from ocop_registry.domain.criteria import CriteriaBook
from ocop_shared.settings import ServiceSettings
from ocop_shared.uow import MongoUnitOfWork
from ocop_shared.web import Runtime, runtime_of


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    port: int = 8001
    mongo_db: str = "registry"
    # Highest star rank each council level may recognise (configuration, not code: the 07/2025 reform
    # changed the levels). Evaluations name one of these levels.
    council_max_stars: dict[str, int] = Field(
        default_factory=lambda: {"commune": 3, "district": 3, "province": 4, "central": 5}
    )
    expiry_interval_s: float = 3600.0
    # The public portal's snapshot: changes made here show at once; another replica's within this many seconds.
    portal_cache_ttl_s: float = Field(default=1.0, ge=0)
    # Dossiers and councils (hồ sơ, hội đồng đánh giá): the largest evidence document accepted (each upload
    # route reads at most this much, plus the form around it); the smallest council; where the criteria
    # sheets are (default: the YAML files shipped in ocop_registry/criteria).
    evidence_max_bytes: int = 20 * 1024 * 1024
    council_min_members: int = 3
    criteria_dir: str | None = None


@dataclass(kw_only=True)
class RegistryRuntime(Runtime):
    uow_class: ClassVar[type[MongoUnitOfWork]] = RegistryUnitOfWork

    settings: RegistrySettings
    councils: Councils
    portal: PortalCache
    criteria: CriteriaBook
    evidence: GridFsEvidenceStore

    def committed(self) -> None:
        """Events were committed: wake the relay, and the portal shows the change from the next request."""
        self.relay.wake()
        self.portal.invalidate()

    def uow(self) -> RegistryUnitOfWork:
        return RegistryUnitOfWork(self.client, self.db, source=self.source, on_commit=self.committed)

    def uow_in(self, session: AsyncClientSession) -> RegistryUnitOfWork:
        return RegistryUnitOfWork.joined(self.client, self.db, session, source=self.source, on_commit=self.committed)


RuntimeDep = Annotated[RegistryRuntime, Depends(runtime_of)]
