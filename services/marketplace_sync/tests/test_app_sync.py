"""The listing sync decisions, on the fake unit of work and a fake platform (no servers): certificate events
set the desired state, the worker pushes it, records the outcome only while it is still the desired one,
retries what may pass later, dead-letters what the platform refuses, and reconciliation repairs drift."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ocop_marketplace_sync.app.desired_listings import certificate_changed, product_changed
from ocop_marketplace_sync.app.sync_worker import SyncWorker
from ocop_marketplace_sync.domain.platform import PlatformError
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ListingDelisted, ListingFailed, ListingPublished

from .builders import certified, updated
from .fakes import FakeDeadLetters, FakeMarketplace, FakeUnitOfWork

PLATFORMS = ["voso", "postmart"]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def platforms() -> dict[str, FakeMarketplace]:
    return {name: FakeMarketplace(name) for name in PLATFORMS}


@pytest.fixture
def dead_letters() -> FakeDeadLetters:
    return FakeDeadLetters()


@pytest.fixture
def worker(uow, platforms, dead_letters) -> SyncWorker:
    return SyncWorker(lambda: uow, platforms, dead_letters, retry_delay=timedelta(seconds=30))


def listing(uow: FakeUnitOfWork, platform: str = "voso", product_id: str = "p-1"):
    return uow.listings.stored[f"{product_id}:{platform}"]


async def test_issued_certificate_is_published_once_on_every_platform(uow, platforms, worker):
    assert await certificate_changed(certified(1), uow, PLATFORMS)
    assert {listing(uow, p).status for p in PLATFORMS} == {"pending"}
    assert await worker.run_once() == 2
    for name, platform in platforms.items():
        entry = listing(uow, name)
        assert entry.status == "published" and entry.synced_version == 1 and entry.external_id
        assert platform.active() == [{"title": "Chè Shan tuyết Chợ Đồn — OCOP 4★", "price": 250000, "status": "active"}]
    published = uow.of_type(ListingPublished)
    assert sorted((e.platform, e.version) for e in published) == [("postmart", 1), ("voso", 1)]
    assert await worker.run_once() == 0  # nothing pending any more


async def test_revoked_certificate_is_delisted(uow, platforms, worker):
    await certificate_changed(certified(1), uow, PLATFORMS)
    await worker.run_once()
    assert await certificate_changed(certified(2, status="revoked"), uow, PLATFORMS)
    entry = listing(uow)
    assert (entry.desired, entry.status) == ("delisted", "pending")
    assert entry.draft is not None and entry.draft.version == 1  # a delisting keeps the last draft
    await worker.run_once()
    assert all(not p.active() for p in platforms.values())
    assert {listing(uow, p).status for p in PLATFORMS} == {"delisted"}
    assert {(e.platform, e.version) for e in uow.of_type(ListingDelisted)} == {("voso", 2), ("postmart", 2)}


async def test_an_older_or_repeated_event_changes_nothing(uow, platforms, worker):
    await certificate_changed(certified(3, status="revoked"), uow, PLATFORMS)
    await worker.run_once()
    before = listing(uow).model_copy()
    assert not await certificate_changed(certified(2), uow, PLATFORMS)  # an issue older than the revocation
    assert not await certificate_changed(certified(3, status="revoked"), uow, PLATFORMS)  # redelivered
    assert listing(uow) == before and listing(uow).desired == "delisted"
    assert await worker.run_once() == 0 and not platforms["voso"].items


async def test_other_certificate_statuses_ask_for_nothing(uow):
    assert not await certificate_changed(certified(1, status="superseded"), uow, PLATFORMS)
    assert uow.listings.stored == {}


async def test_product_update_reaches_listings_only_while_certified(uow, platforms, worker):
    assert not await product_changed(updated(1, price_vnd=99000), uow, PLATFORMS)  # not certified: no listing
    assert uow.listings.stored == {}
    await certificate_changed(certified(2), uow, PLATFORMS)
    await worker.run_once()
    assert await product_changed(updated(3, price_vnd=275000), uow, PLATFORMS)
    await worker.run_once()
    assert [item["price"] for item in platforms["voso"].active()] == [275000]  # updated in place, not a second one
    assert listing(uow).synced_version == 3
    await certificate_changed(certified(4, status="expired"), uow, PLATFORMS)
    assert not await product_changed(updated(5, price_vnd=1), uow, PLATFORMS)  # expired: stays delisted


async def test_platform_rejection_marks_failed_and_dead_letters(uow, platforms, dead_letters, worker):
    await certificate_changed(certified(1, price_vnd=0), uow, ["voso"])
    platforms["voso"].failures = [PlatformError(422, "Invalid product {'price': 'positive integer'}", retryable=False)]
    await worker.run_once()
    entry = listing(uow)
    assert entry.status == "failed" and "price" in (entry.last_error or "")
    assert [(e.platform, e.version) for e in uow.of_type(ListingFailed)] == [("voso", 1)]
    assert dead_letters.rejected == [("p-1:voso", "Invalid product {'price': 'positive integer'}")]
    assert await worker.run_once() == 0  # not retried until the data is fixed


async def test_transient_errors_are_retried_later(uow, platforms, worker):
    await certificate_changed(certified(1), uow, ["voso"])
    platforms["voso"].failures = [PlatformError(503, "Injected failure", retryable=True), ConnectionError("reset")]
    await worker.run_once()
    entry = listing(uow)
    assert entry.status == "pending" and entry.last_error == "Injected failure" and not uow.events
    assert entry.next_attempt_at is not None and entry.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert await worker.run_once() == 0  # not due yet
    entry.next_attempt_at = utcnow() - timedelta(seconds=1)
    await worker.run_once()  # the network fails this time: later again
    assert listing(uow).status == "pending" and "reset" in (listing(uow).last_error or "")
    listing(uow).next_attempt_at = None
    await worker.run_once()
    assert listing(uow).status == "published" and len(platforms["voso"].active()) == 1
    assert len(uow.of_type(ListingPublished)) == 1


async def test_outcome_is_kept_only_while_its_version_is_still_desired(uow, platforms, worker):
    """Compare-and-set: a price change arrives while the first push is on the wire."""
    await certificate_changed(certified(1), uow, ["voso"])

    async def newer_event() -> None:
        await product_changed(updated(2, price_vnd=300000), uow, ["voso"])

    platforms["voso"].during_call = newer_event
    await worker.run_once()
    entry = listing(uow)
    assert entry.status == "pending" and entry.desired_version == 2 and entry.synced_version is None
    assert entry.external_id  # kept, so the next push updates the listing instead of creating another
    assert not uow.of_type(ListingPublished)
    await worker.run_once()
    assert listing(uow).status == "published" and listing(uow).synced_version == 2
    assert [item["price"] for item in platforms["voso"].items.values()] == [300000]
    assert [e.version for e in uow.of_type(ListingPublished)] == [2]


async def test_reconcile_repairs_drift(uow, platforms, worker):
    for n, product_id in enumerate(("p-deleted", "p-price", "p-revoked", "p-fine"), start=1):
        await certificate_changed(certified(n, product_id=product_id), uow, ["voso"])
    await worker.run_once()
    voso = platforms["voso"]
    voso.items.pop(listing(uow, product_id="p-deleted").external_id or "")  # deleted behind our back
    voso.items[listing(uow, product_id="p-price").external_id or ""]["price"] = 1  # edited on the platform
    await certificate_changed(certified(9, status="revoked", product_id="p-revoked"), uow, ["voso"])
    await worker.run_once()
    voso.items[listing(uow, product_id="p-revoked").external_id or ""]["status"] = "active"  # back up, somehow

    assert await worker.reconcile() == 3
    assert listing(uow, product_id="p-deleted").external_id is None  # created again, not updated
    assert {k: v.status for k, v in uow.listings.stored.items()} == {
        "p-deleted:voso": "pending",
        "p-price:voso": "pending",
        "p-revoked:voso": "pending",
        "p-fine:voso": "published",
    }
    await worker.run_once()
    assert await worker.reconcile() == 0
    assert sorted((i["title"], i["price"]) for i in voso.active()) == [("Chè Shan tuyết Chợ Đồn — OCOP 4★", 250000)] * 3


async def test_reconcile_skips_a_platform_that_is_down(uow, platforms, worker):
    await certificate_changed(certified(1), uow, ["voso"])
    await worker.run_once()
    platforms["voso"].failures = [ConnectionError("down")]
    assert await worker.reconcile() == 0 and listing(uow).status == "published"
