"""What the use cases need from storage: the repositories of the unit of work, as Protocols (the Mongo ones in
``adapters/`` and the in-memory fakes of the unit tests both fit), and the typed queries lists and reports use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.council import Council, MemberScore
from ocop_registry.domain.dossier import Dossier
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import Evaluation
from ocop_registry.domain.throttle import Attempts
from ocop_registry.domain.user import User
from ocop_shared import ports
from ocop_shared.events.models import SessionRevoked
from ocop_shared.ports import Repository


@dataclass(frozen=True)
class CertificateQuery:
    """Certificates matching every given field; ``limit`` 0 = all."""

    ids: tuple[str, ...] | None = None
    status: str | None = None
    product_id: str | None = None
    producer_id: str | None = None
    provinces: tuple[str, ...] = ()  # the producer's province (as recorded on the certificate) is one of these
    province_code: str | None = None
    province_name: str | None = None
    group: str | None = None
    stars: int | None = None
    valid_until_before: str | None = None  # ISO date, exclusive
    valid_until_through: str | None = None  # ISO date, inclusive
    sort: str = "_id"
    limit: int = 0
    skip: int = 0


@dataclass(frozen=True)
class ProductQuery:
    ids: tuple[str, ...] | None = None
    producer_id: str | None = None
    group: str | None = None
    limit: int = 0
    skip: int = 0


class Producers(Repository[Producer], Protocol):
    async def many(self, ids: Iterable[str]) -> dict[str, Producer]: ...
    async def unplaced(self, *, after: str, limit: int) -> list[Producer]:
        """Producers never placed in today's units (recorded before the conversion existed), by id."""
        ...

    async def by_tax_codes(self, tax_codes: list[str]) -> dict[str, Producer]: ...
    async def in_provinces(self, provinces: tuple[str, ...], *, limit: int, skip: int = 0) -> list[Producer]:
        """Producers of these provinces (all when empty), by id."""
        ...


class Products(Repository[Product], Protocol):
    async def by_keys(self, keys: list[str]) -> dict[str, Product]: ...
    async def select(self, query: ProductQuery) -> list[Product]: ...


class Evaluations(Repository[Evaluation], Protocol):
    async def of_product(self, product_id: str, *, sort: str = "_id") -> list[Evaluation]: ...


class Certificates(Repository[Certificate], Protocol):
    async def select(self, query: CertificateQuery) -> list[Certificate]: ...
    async def relocate(self, producer_id: str, province: dict, commune: dict | None) -> int:
        """Give the producer's certificates its units of today (what the reports count them under)."""
        ...


class Users(Repository[User], Protocol):
    async def put(self, user: User) -> None:
        """Create or replace."""
        ...

    async def all(self) -> list[User]: ...


class ListingStatuses(Protocol):
    """Where each product is listed, as marketplace_sync reports it (a copy fed by its events)."""

    async def record(self, product_id: str, platform: str, version: int, fields: dict[str, Any]) -> bool:
        """Store the platform's state unless a newer version is already kept; whether it changed."""
        ...

    async def of_product(self, product_id: str) -> list[dict[str, Any]]: ...


class TracedProducts(Protocol):
    """Products that have traceability stamps (from traceability's stamp-run events)."""

    async def record_run(self, product_id: str, producer_id: str, issued_at: datetime, count: int) -> None: ...
    async def among(self, product_ids: Iterable[str]) -> set[str]: ...


@dataclass(frozen=True)
class DossierQuery:
    """Dossiers matching every given field; ``limit`` 0 = all."""

    ids: tuple[str, ...] | None = None
    product_id: str | None = None
    producer_id: str | None = None
    provinces: tuple[str, ...] = ()  # the producer's province (as recorded on the dossier) is one of these
    statuses: tuple[str, ...] = ()
    cycle_year: int | None = None
    limit: int = 0


@dataclass(frozen=True)
class CouncilQuery:
    provinces: tuple[str, ...] = ()  # a council of one of these provinces (central councils: only unscoped)
    member: str | None = None  # a council this account sits on
    limit: int = 0


class Dossiers(Repository[Dossier], Protocol):
    async def select(self, query: DossierQuery) -> list[Dossier]:
        """Newest cycle year first, then by id."""
        ...

    async def using_file(self, file_id: str) -> list[str]:
        """Ids of the dossiers whose evidence points at this stored file."""
        ...

    async def file_ids(self) -> set[str]: ...


class Councils(Repository[Council], Protocol):
    async def select(self, query: CouncilQuery) -> list[Council]:
        """Latest meeting first."""
        ...


class MemberScores(Repository[MemberScore], Protocol):
    async def of_council(self, council_id: str) -> list[MemberScore]: ...


class EvidenceStore(Protocol):
    """Where evidence documents' bytes live (GridFS; outside the unit of work: it cannot join a transaction)."""

    async def put(self, data: bytes, *, filename: str, content_type: str, metadata: dict[str, Any]) -> str: ...
    async def open(self, file_id: str) -> tuple[int, AsyncIterator[bytes]]: ...
    async def delete(self, file_id: str) -> None: ...


class LoginAttempts(Protocol):
    """Recent failed sign-ins by key (``user:<name>``, ``net:<prefix>``)."""

    async def of(self, keys: list[str]) -> dict[str, Attempts]: ...
    async def put(self, attempts: Attempts) -> None: ...
    async def clear(self, key: str) -> None: ...


class Revocations(Protocol):
    """Ended console sessions (``ocop_shared.sessions``)."""

    async def record(self, revoked: SessionRevoked) -> None: ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    producers: Producers
    products: Products
    evaluations: Evaluations
    certificates: Certificates
    users: Users
    listings: ListingStatuses
    traced: TracedProducts
    dossiers: Dossiers
    councils: Councils
    scores: MemberScores
    attempts: LoginAttempts
    revocations: Revocations
