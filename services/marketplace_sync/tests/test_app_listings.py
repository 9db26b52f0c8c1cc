"""Listings as callers see them and the resync they ask for, on the fake unit of work: a producer sees its own
products, an official scoped to provinces only theirs (others' ids answer 404), resync follows the same scope."""

from __future__ import annotations

import pytest

from ocop_marketplace_sync.app.commands import ListingsQuery, Resync
from ocop_marketplace_sync.app.desired_listings import certificate_changed
from ocop_marketplace_sync.app.listings import listings_of, products_with_listings, resync
from ocop_marketplace_sync.app.sellers import producer_changed, seller_record
from ocop_shared.auth import Principal
from ocop_shared.errors import Forbidden, NotFound

from .builders import BAC_NINH, certified, producer
from .fakes import FakeScheduler, FakeUnitOfWork

OPERATOR = Principal("ops", "operator")
OFFICIAL = Principal("canbo", "official")
THAI_NGUYEN_OFFICIAL = Principal("canbo.tn", "official", provinces=("19",))
THOA = Principal("thoa", "producer", producer_id="pr-1")
OTHER_PRODUCER = Principal("x", "producer", producer_id="pr-x")


@pytest.fixture
async def uow() -> FakeUnitOfWork:
    """Two producers (Thái Nguyên, Bắc Ninh), each with a certified product listed on voso."""
    uow = FakeUnitOfWork()
    await producer_changed(producer("pr-1"), uow)
    await producer_changed(producer("pr-2", province=BAC_NINH), uow)
    await certificate_changed(certified(1), uow, ["voso"])
    await certificate_changed(
        certified(1, product_id="p-2", producer_id="pr-2", name="Vải thiều Lục Ngạn"), uow, ["voso"]
    )
    return uow


async def visible(principal: Principal, uow: FakeUnitOfWork) -> list[str]:
    return [entry.id for entry in await listings_of(ListingsQuery(), principal, uow)]


async def test_listings_follow_the_callers_scope(uow):
    assert await visible(OPERATOR, uow) == await visible(OFFICIAL, uow) == ["p-1:voso", "p-2:voso"]
    assert await visible(THAI_NGUYEN_OFFICIAL, uow) == ["p-1:voso"]
    assert await visible(THOA, uow) == ["p-1:voso"]
    assert await visible(OTHER_PRODUCER, uow) == []
    assert await listings_of(ListingsQuery("p-2"), THOA, uow) == []


async def test_console_table_hides_other_producers_products(uow):
    rows = await products_with_listings(ListingsQuery(), THOA, uow)
    assert [(r.product.id, [entry.platform for entry in r.listings]) for r in rows] == [("p-1", ["voso"])]
    names = [r.product.name for r in await products_with_listings(ListingsQuery(), OFFICIAL, uow)]
    assert names == ["Chè Shan tuyết Chợ Đồn", "Vải thiều Lục Ngạn"]  # by name
    with pytest.raises(NotFound):
        await products_with_listings(ListingsQuery("p-2"), THOA, uow)
    with pytest.raises(NotFound):
        await products_with_listings(ListingsQuery("p-2"), THAI_NGUYEN_OFFICIAL, uow)


async def test_resync_by_operators_and_officials_within_their_provinces(uow):
    sync = FakeScheduler()
    for entry in uow.listings.stored.values():
        entry.status = "published"
    assert await resync(Resync(), OPERATOR, uow, sync) == 2
    assert sync.wakes == 1 and sync.reconciles == [None]
    assert await resync(Resync("p-1"), THAI_NGUYEN_OFFICIAL, uow, sync) == 1
    assert sync.reconciles == [None, "p-1"]
    with pytest.raises(NotFound):  # another province's product: as if it did not exist
        await resync(Resync("p-2"), THAI_NGUYEN_OFFICIAL, uow, sync)
    with pytest.raises(NotFound):
        await resync(Resync("unknown"), THAI_NGUYEN_OFFICIAL, uow, sync)
    with pytest.raises(Forbidden):  # a scoped official resyncs one product at a time
        await resync(Resync(), THAI_NGUYEN_OFFICIAL, uow, sync)
    with pytest.raises(Forbidden):
        await resync(Resync("p-1"), THOA, uow, sync)
    assert sync.reconciles == [None, "p-1"]


async def test_seller_records_follow_producer_events(uow):
    assert (await seller_record("pr-2", OFFICIAL, uow))["province"] == "Bắc Ninh"
    assert not await producer_changed(producer("pr-2", version=1), uow)  # the same version again: no change
    assert await producer_changed(producer("pr-2", version=2), uow)
    with pytest.raises(NotFound):
        await seller_record("nobody", OPERATOR, uow)
    with pytest.raises(Forbidden):
        await seller_record("pr-1", THOA, uow)
