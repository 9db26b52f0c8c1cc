"""In-memory stand-ins for what marketplace_sync's use cases need (cosmicpython's FakeUnitOfWork pattern):
the unit of work and its repositories, a platform, the dead-letter topic and the sync scheduler. They keep
the contracts of the real adapters that the use cases rely on (the compare-and-set of an outcome, desired
fields vs outcome fields), nothing more."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Self

from pydantic import BaseModel

from ocop_marketplace_sync.app.ports import ProductSummary
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.listing_state import Listing, Retry, SyncOutcome
from ocop_marketplace_sync.domain.platform import RemoteListing
from ocop_shared.audit import RecordedActions
from ocop_shared.events.models import CertificateSnapshot, ProducerSnapshot, ProductSnapshot


class FakeListings:
    def __init__(self) -> None:
        self.stored: dict[str, Listing] = {}

    async def get(self, listing_id: str) -> Listing | None:
        found = self.stored.get(listing_id)
        return found.model_copy(deep=True) if found else None

    async def add(self, listing: Listing) -> None:
        self.stored[listing.id] = listing.model_copy(deep=True)

    async def save_desired(self, listing: Listing) -> None:
        stored = self.stored[listing.id]
        for name in ("desired", "desired_version", "status", "next_attempt_at", "traceparent"):
            setattr(stored, name, getattr(listing, name))
        if listing.draft is not None:
            stored.draft = listing.draft

    async def of_product(self, product_id: str | None) -> list[Listing]:
        return [
            v.model_copy(deep=True)
            for k, v in sorted(self.stored.items())
            if product_id is None or v.product_id == product_id
        ]

    async def pending(self) -> list[Listing]:
        return [v.model_copy(deep=True) for v in self.stored.values() if v.status == "pending"]

    async def record(self, outcome: SyncOutcome) -> bool:
        stored = self.stored.get(outcome.listing_id)
        if stored is None or stored.desired_version != outcome.version:
            return False
        stored.status, stored.external_id, stored.synced_version = outcome.status, outcome.external_id, outcome.version
        stored.last_synced_at, stored.last_error = outcome.at, outcome.error
        return True

    async def keep_external_id(self, listing_id: str, external_id: str) -> None:
        self.stored[listing_id].external_id = external_id

    async def retry_later(self, retry: Retry) -> None:
        stored = self.stored[retry.listing_id]
        if stored.desired_version == retry.version:
            stored.last_error, stored.next_attempt_at = retry.error, retry.at

    async def settled(self, product_id: str | None) -> list[Listing]:
        return [
            v.model_copy(deep=True)
            for v in self.stored.values()
            if v.status in ("published", "delisted") and (product_id is None or v.product_id == product_id)
        ]

    async def mark_for_repair(self, listing_id: str, *, forget_external_id: bool) -> None:
        stored = self.stored[listing_id]
        stored.status, stored.next_attempt_at = "pending", None
        if forget_external_id:
            stored.external_id = None

    async def resync(self, product_id: str | None) -> int:
        count = 0
        for stored in self.stored.values():
            if product_id is None or stored.product_id == product_id:
                stored.status, stored.next_attempt_at = "pending", None
                count += 1
        return count


class FakeProductCopies:
    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}

    async def apply(
        self, product: ProductSnapshot, version: int, certificate: CertificateSnapshot | None = None
    ) -> bool:
        current = self.stored.get(product.product_id)
        if current is not None and current["version"] >= version:
            return False
        self.stored[product.product_id] = {
            "product": product,
            "version": version,
            "certificate": certificate or (current or {}).get("certificate"),
        }
        return True

    async def certificate_of(self, product_id: str) -> CertificateSnapshot | None:
        return self.stored.get(product_id, {}).get("certificate")

    async def producer_of(self, product_id: str) -> str | None:
        copy = self.stored.get(product_id)
        return copy["product"].producer_id if copy else None

    async def ids_of_producers(self, producer_ids: Collection[str]) -> set[str]:
        return {k for k, v in self.stored.items() if v["product"].producer_id in producer_ids}

    async def summaries(self, *, producer_id: str | None, product_id: str | None) -> list[ProductSummary]:
        products = [v["product"] for v in self.stored.values()]
        return sorted(
            (
                ProductSummary(p.product_id, p.name, p.producer_id, p.producer_public_name)
                for p in products
                if (producer_id is None or p.producer_id == producer_id)
                and (product_id is None or p.product_id == product_id)
            ),
            key=lambda s: s.name,
        )


class FakeProducerCopies:
    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}

    async def apply(self, producer: ProducerSnapshot, version: int) -> bool:
        current = self.stored.get(producer.producer_id)
        if current is not None and current["version"] >= version:
            return False
        self.stored[producer.producer_id] = {
            "seller_name": producer.public_name,
            "province": producer.province.name,
            "province_code": producer.province.code,
            "version": version,
        }
        return True

    async def seller_record(self, producer_id: str) -> dict[str, Any] | None:
        found = self.stored.get(producer_id)
        return {**found, "id": producer_id} if found else None

    async def province_of(self, producer_id: str) -> str | None:
        return self.stored.get(producer_id, {}).get("province_code")

    async def in_provinces(self, provinces: Collection[str]) -> set[str]:
        return {k for k, v in self.stored.items() if v["province_code"] in provinces}


class FakeUnitOfWork(RecordedActions):
    """One store shared by every unit of work a test makes; ``events`` holds what commits published."""

    def __init__(self) -> None:
        self.listings = FakeListings()
        self.products = FakeProductCopies()
        self.producers = FakeProducerCopies()
        self.events: list[tuple[BaseModel, str]] = []  # (payload, key) committed to the "outbox"
        self.commits = 0
        self._queued: list[tuple[BaseModel, str]] = []

    async def __aenter__(self) -> Self:
        self._queued = []
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._queued = []  # not committed: the events are dropped (the writes of a fake are not undone)

    def emit(self, payload: BaseModel, *, key: str, subject: str | None = None) -> None:
        self._queued.append((payload, key))

    async def commit(self) -> None:
        self.events.extend(self._queued)
        self._queued = []
        self.commits += 1

    def of_type(self, model: type[BaseModel]) -> list[Any]:
        return [payload for payload, _key in self.events if isinstance(payload, model)]


class FakeMarketplace:
    """A platform in memory. ``failures`` are raised by the next calls, in order; ``during_call`` runs inside
    the next upsert or delist (e.g. a newer event arriving while we talk to the platform)."""

    def __init__(self, name: str = "voso") -> None:
        self.name = name
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str | None]] = []
        self.failures: list[Exception] = []
        self.during_call: Callable[[], Any] | None = None
        self._by_key: dict[str, str] = {}

    async def _step(self, operation: str, subject: str | None) -> None:
        self.calls.append((operation, subject))
        if self.during_call is not None:
            hook, self.during_call = self.during_call, None
            await hook()
        if self.failures:
            raise self.failures.pop(0)

    async def upsert(self, draft: ListingDraft, external_id: str | None) -> str:
        await self._step("upsert", external_id)
        if external_id is None or external_id not in self.items:
            external_id = self._by_key.setdefault(
                draft.idempotency_key(self.name), f"{self.name}-{len(self.items) + 1}"
            )
        self.items[external_id] = {"title": draft.title, "price": draft.price_vnd, "status": "active"}
        return external_id

    async def delist(self, external_id: str) -> None:
        await self._step("delist", external_id)
        if external_id in self.items:
            self.items[external_id]["status"] = "removed"

    async def fetch(self, external_id: str) -> RemoteListing | None:
        await self._step("fetch", external_id)
        item = self.items.get(external_id)
        return RemoteListing(external_id, item["status"], item, price_vnd=item["price"]) if item else None

    def active(self) -> list[dict[str, Any]]:
        return [item for item in self.items.values() if item["status"] == "active"]


class FakeDeadLetters:
    def __init__(self) -> None:
        self.rejected: list[tuple[str, str]] = []

    async def platform_rejected(self, listing: Listing, reason: str) -> None:
        self.rejected.append((listing.id, reason))


class FakeScheduler:
    def __init__(self) -> None:
        self.wakes = 0
        self.reconciles: list[str | None] = []

    def wake(self) -> None:
        self.wakes += 1

    def reconcile_soon(self, product_id: str | None) -> None:
        self.reconciles.append(product_id)
