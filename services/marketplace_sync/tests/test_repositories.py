"""The listing repository on the embedded MongoDB-protocol server: the contracts the fakes of the unit tests
keep (compare-and-set of an outcome, desired fields vs outcome fields, datetimes read back as datetimes)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from ocop_marketplace_sync.adapters.uow import MarketplaceUnitOfWork
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.listing_state import Listing
from ocop_shared.events.envelope import utcnow
from ocop_shared.mongo import ensure_collections, make_client

from .builders import certificate, product

pytestmark = pytest.mark.integration


@pytest.fixture
async def uow(stack):
    client = make_client(stack.mongo_url)
    db = client[f"marketplace_repo_{uuid.uuid4().hex[:8]}"]
    await ensure_collections(db, ["listings", "products", "producers", "outbox"])
    yield MarketplaceUnitOfWork(client, db, source="/ocop/test")
    await client.close()


def first(version: int = 1) -> Listing:
    return Listing.first("p-1", "voso", "listed", version, ListingDraft.of(product(), certificate(), version), None)


async def test_outcome_recorded_only_for_the_desired_version(uow):
    async with uow:
        await uow.listings.add(first(1))
        await uow.commit()
    pushed = (await uow.listings.pending())[0]
    async with uow:  # a newer desired state arrives while version 1 is on the wire
        newer = await uow.listings.get("p-1:voso")
        assert newer is not None and newer.want("listed", 2, None, "00-t-s-01")
        await uow.listings.save_desired(newer)
        await uow.commit()
    async with uow:
        assert not await uow.listings.record(pushed.published("VO-1", utcnow()))
        await uow.listings.keep_external_id(pushed.id, "VO-1")
        await uow.commit()
    stored = await uow.listings.get("p-1:voso")
    assert stored is not None
    assert (stored.status, stored.desired_version, stored.external_id, stored.draft) == (
        "pending",
        2,
        "VO-1",
        first(1).draft,
    )
    async with uow:
        assert await uow.listings.record(stored.published("VO-1", utcnow()))
        await uow.commit()
    done = await uow.listings.get("p-1:voso")
    assert done is not None and (done.status, done.synced_version) == ("published", 2)
    assert done.last_synced_at is not None and done.last_synced_at.tzinfo is not None


async def test_retry_repair_and_resync_outside_a_transaction(uow):
    async with uow:
        await uow.listings.add(first(1))
        await uow.commit()
    listing = (await uow.listings.pending())[0]
    later = utcnow() + timedelta(seconds=30)
    await uow.listings.retry_later(listing.retry_at("503", later))
    stored = await uow.listings.get(listing.id)
    assert stored is not None and stored.last_error == "503" and stored.next_attempt_at is not None
    assert not stored.is_due(utcnow()) and stored.is_due(later + timedelta(seconds=1))
    async with uow:
        await uow.listings.record(listing.published("VO-1", utcnow()))
        await uow.commit()
    assert [entry.id for entry in await uow.listings.settled("p-1")] == ["p-1:voso"]
    await uow.listings.mark_for_repair(listing.id, forget_external_id=True)
    repaired = await uow.listings.get(listing.id)
    assert repaired is not None and (repaired.status, repaired.external_id) == ("pending", None)
    assert await uow.listings.resync(None) == 0  # counts listings it changed: this one was pending already
    async with uow:
        await uow.listings.record(listing.published("VO-2", utcnow()))
        await uow.commit()
    assert await uow.listings.resync("other") == 0 and await uow.listings.resync("p-1") == 1


async def test_an_unreadable_document_does_not_stall_the_others(uow):
    async with uow:
        await uow.listings.add(first(1))
        await uow.commit()
    await uow.db.listings.insert_one({"_id": "p-9:voso", "product_id": "p-9", "status": "pending", "desired": "?"})
    assert [entry.id for entry in await uow.listings.pending()] == ["p-1:voso"]
