"""What the use cases need from the outside, as Protocols: the unit of work and its repositories, the
platforms, the dead-letter topic and the sync worker. adapters/ implements them on MongoDB, HTTP and
Kafka; the unit tests implement them in memory."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.listing_state import Listing, Retry, SyncOutcome
from ocop_marketplace_sync.domain.platform import Placed, RemoteListing
from ocop_shared import ports
from ocop_shared.events.models import CertificateSnapshot, ProducerSnapshot, ProductSnapshot


@dataclass(frozen=True)
class ProductSummary:
    """A product as the listings page names it (from our copy, fed by registry events)."""

    id: str
    name: str
    producer_id: str | None
    producer_public_name: str | None


class Listings(Protocol):
    async def get(self, listing_id: str) -> Listing | None: ...
    async def add(self, listing: Listing) -> None: ...
    async def save_desired(self, listing: Listing) -> None: ...
    async def of_product(self, product_id: str | None) -> list[Listing]: ...
    # the sync worker's reads and writes, outside the consumer's transaction
    async def pending(self) -> list[Listing]: ...
    async def record(self, outcome: SyncOutcome) -> bool:
        """Store the outcome if the desired version is still the one pushed (compare-and-set)."""
        ...

    async def keep_external_id(self, listing_id: str, external_id: str) -> None: ...
    async def retry_later(self, retry: Retry) -> None: ...
    # resync and reconciliation
    async def settled(self, product_id: str | None) -> list[Listing]: ...
    async def mark_for_repair(self, listing_id: str, *, forget_external_id: bool) -> None: ...
    async def resync(self, product_id: str | None) -> int: ...


class ProductCopies(Protocol):
    async def apply(
        self, product: ProductSnapshot, version: int, certificate: CertificateSnapshot | None = None
    ) -> bool: ...
    async def certificate_of(self, product_id: str) -> CertificateSnapshot | None: ...
    async def producer_of(self, product_id: str) -> str | None: ...
    async def ids_of_producers(self, producer_ids: Collection[str]) -> set[str]: ...
    async def summaries(self, *, producer_id: str | None, product_id: str | None) -> list[ProductSummary]: ...


class ProducerCopies(Protocol):
    async def apply(self, producer: ProducerSnapshot, version: int) -> bool: ...
    async def seller_record(self, producer_id: str) -> dict[str, Any] | None: ...
    async def province_of(self, producer_id: str) -> str | None: ...
    async def in_provinces(self, provinces: Collection[str]) -> set[str]: ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    listings: Listings
    products: ProductCopies
    producers: ProducerCopies


class Marketplace(Protocol):
    """One platform's seller API (a new platform is one adapter plus its settings)."""

    name: str

    async def upsert(self, draft: ListingDraft, external_id: str | None) -> Placed: ...
    async def delist(self, external_id: str) -> None: ...
    async def fetch(self, external_id: str) -> RemoteListing | None: ...


class DeadLetters(Protocol):
    async def platform_rejected(self, listing: Listing, reason: str) -> None: ...


class SyncScheduler(Protocol):
    """The sync worker as use cases see it: push pending listings now, reconcile in the background."""

    def wake(self) -> None: ...
    def reconcile_soon(self, product_id: str | None) -> None: ...
