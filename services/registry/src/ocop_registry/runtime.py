"""The registry's settings and typed runtime (what ``bootstrap`` builds and every route and subscriber uses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from fastapi import Depends
from pydantic import Field
from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_registry.adapters.evidence_store import GridFsEvidenceStore
from ocop_registry.adapters.uow import RegistryUnitOfWork
from ocop_registry.app.users import LoginRules
from ocop_registry.domain.certification import Councils
from ocop_registry.domain.criteria import CriteriaBook
from ocop_registry.domain.throttle import ThrottleRule
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
    # Dossiers and councils (hồ sơ, hội đồng đánh giá): the largest evidence document accepted (each upload
    # route reads at most this much, plus the form around it); the smallest council; where the criteria
    # sheets are (default: the YAML files shipped in ocop_registry/criteria).
    evidence_max_bytes: int = 20 * 1024 * 1024
    council_min_members: int = 3
    criteria_dir: str | None = None

    # The registry signs the tokens (its key ring) and publishes /.well-known/jwks.json.
    jwt_signer: bool = True
    # Sign-in throttling: per account (as typed, existing or not) and per network prefix (/24, /48): the first
    # *_free failures are answered at once, then growing delays, and *_lock_after failures lock for *_lock_s.
    login_account_free: int = 3
    login_account_lock_after: int = 10
    login_network_free: int = 30
    login_network_lock_after: int = 200
    login_lock_s: float = 900.0
    login_window_s: float = 900.0

    def login_rules(self) -> LoginRules:
        return LoginRules(
            account=ThrottleRule(
                self.login_account_free, self.login_account_lock_after, self.login_lock_s, window_s=self.login_window_s
            ),
            network=ThrottleRule(
                self.login_network_free,
                self.login_network_lock_after,
                self.login_lock_s,
                base_delay_s=0.5,
                max_delay_s=30.0,
                window_s=self.login_window_s,
            ),
        )


@dataclass(kw_only=True)
class RegistryRuntime(Runtime):
    uow_class: ClassVar[type[MongoUnitOfWork]] = RegistryUnitOfWork

    settings: RegistrySettings
    councils: Councils
    criteria: CriteriaBook
    evidence: GridFsEvidenceStore

    def uow(self) -> RegistryUnitOfWork:
        uow: RegistryUnitOfWork = super().uow()
        return uow

    def uow_in(self, session: AsyncClientSession) -> RegistryUnitOfWork:
        uow: RegistryUnitOfWork = super().uow_in(session)
        return uow


RuntimeDep = Annotated[RegistryRuntime, Depends(runtime_of)]
