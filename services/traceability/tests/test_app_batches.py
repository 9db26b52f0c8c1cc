"""Batches through app/ with the in-memory unit of work: product and area of the same producer, lot codes
(generated, given, duplicates), the append-only trail, and who may do what."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ocop_shared.errors import Conflict
from ocop_traceability.app import batches
from ocop_traceability.app.commands import AppendTrailEvent, BatchIn, TrailEventIn
from ocop_traceability.domain.codes import InvalidCode
from ocop_traceability.domain.errors import (
    BatchNotFound,
    DuplicateLot,
    ForeignArea,
    GrowingAreaNotFound,
    OutOfScope,
    PackingHouseNotFound,
    ProductNotFound,
)

# the fakes beside these tests (pytest's importlib mode puts no test folder on sys.path)
sys.path.append(str(Path(__file__).parent))
from traceability_fakes import (
    OFFICIAL,
    OFFICIAL_19,
    OFFICIAL_24,
    OWNER_A,
    OWNER_B,
    A,
    B,
    FakeUnitOfWork,
    area_code,
    world,
)

HARVEST = date(2026, 11, 1)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return world()


def batch_in(product: str = "product-a", area: str | None = None, **extra) -> BatchIn:
    return BatchIn(
        product_id=product,
        growing_area_code=area or area_code(A),
        harvest_date=extra.pop("harvest", HARVEST),
        quantity=120,
        unit="kg",
        **extra,
    )


async def test_a_batch_of_the_producers_product_and_area(uow: FakeUnitOfWork) -> None:
    batch = await batches.create_batch(
        batch_in(area=area_code(A).lower(), packing_house_code="VN-19-PH-A"), OWNER_A, uow
    )
    assert (batch.product_id, batch.producer_id, batch.growing_area_code) == ("product-a", A, area_code(A))
    assert batch.lot == "261101-1" and batch.lot_key == "product-a:261101-1"
    assert uow.batches.items == {batch.id: batch} and uow.commits == 1


async def test_generated_lots_count_up_per_product_and_harvest_day(uow: FakeUnitOfWork) -> None:
    lots = [(await batches.create_batch(batch_in(), OWNER_A, uow)).lot for _ in range(3)]
    assert lots == ["261101-1", "261101-2", "261101-3"]
    assert (await batches.create_batch(batch_in(harvest=date(2026, 11, 2)), OWNER_A, uow)).lot == "261102-1"
    other = await batches.create_batch(batch_in("product-b", area_code(B)), OWNER_B, uow)
    assert other.lot == "261101-1"  # unique per product, not overall


async def test_a_given_lot_is_normalized_and_unique_per_product(uow: FakeUnitOfWork) -> None:
    assert (await batches.create_batch(batch_in(lot=" cd-2611-01 "), OWNER_A, uow)).lot == "CD-2611-01"
    with pytest.raises(Conflict) as duplicate:
        await batches.create_batch(batch_in(lot="CD-2611-01"), OWNER_A, uow)
    assert duplicate.value.code == "duplicate_lot" and duplicate.value.message == "Sản phẩm đã có lô CD-2611-01"
    with pytest.raises(InvalidCode):
        await batches.create_batch(batch_in(lot="lô 1"), OWNER_A, uow)
    assert len(uow.batches.items) == 1


async def test_generation_skips_lots_the_producer_took(uow: FakeUnitOfWork) -> None:
    await batches.create_batch(batch_in(lot="261101-1"), OWNER_A, uow)
    await batches.create_batch(batch_in(lot="261101-3"), OWNER_A, uow)
    assert [(await batches.create_batch(batch_in(), OWNER_A, uow)).lot for _ in range(2)] == ["261101-2", "261101-4"]


async def test_no_lot_is_generated_beyond_49_a_day(uow: FakeUnitOfWork) -> None:
    for _ in range(49):
        await batches.create_batch(batch_in(), OWNER_A, uow)
    with pytest.raises(DuplicateLot) as refused:
        await batches.create_batch(batch_in(), OWNER_A, uow)
    assert refused.value.status == 409 and refused.value.message == "Không sinh được mã lô mới"


async def test_a_generated_lot_taken_meanwhile_is_generated_again(uow: FakeUnitOfWork) -> None:
    """Another instance stores the same generated lot between our read and our insert: the unique index
    refuses ours, and the use case takes the next free one."""
    first_read = uow.batches.lots_of

    async def stale_once(product_id: str) -> set[str]:
        uow.batches.lots_of = first_read  # type: ignore[method-assign]
        taken = await first_read(product_id)
        racer = await batches.create_batch(batch_in(), OWNER_A, uow)  # commits 261101-1 first
        assert racer.lot == "261101-1"
        return taken

    uow.batches.lots_of = stale_once  # type: ignore[method-assign]
    assert (await batches.create_batch(batch_in(), OWNER_A, uow)).lot == "261101-2"


async def test_someone_elses_product_or_area_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ProductNotFound):
        await batches.create_batch(batch_in("product-b", area_code(B)), OWNER_A, uow)
    with pytest.raises(GrowingAreaNotFound) as area:
        await batches.create_batch(batch_in("product-b", area_code(A)), OWNER_B, uow)
    assert area.value.message == "Không tìm thấy vùng trồng của chủ thể này"
    with pytest.raises(ProductNotFound):
        await batches.create_batch(batch_in("no-such-product"), OWNER_A, uow)
    with pytest.raises(PackingHouseNotFound):
        await batches.create_batch(batch_in(packing_house_code="VN-19-PH-B"), OWNER_A, uow)
    assert uow.batches.items == {}


async def test_product_and_area_must_belong_to_the_same_producer(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ForeignArea) as refused:  # an official may act for both, but not mix them
        await batches.create_batch(batch_in("product-b", area_code(A)), OFFICIAL, uow)
    assert refused.value.status == 422 and uow.batches.items == {}


async def test_officials_create_batches_only_within_their_provinces(uow: FakeUnitOfWork) -> None:
    with pytest.raises(OutOfScope) as refused:
        await batches.create_batch(batch_in(), OFFICIAL_24, uow)
    assert refused.value.status == 403
    assert (await batches.create_batch(batch_in(), OFFICIAL_19, uow)).producer_id == A


def _event(kind: str, hour: int, place: str = "Đồi chè Khuổi Ha") -> TrailEventIn:
    return TrailEventIn(type=kind, time=datetime(2026, 11, 1, hour, tzinfo=timezone(timedelta(hours=7))), place=place)


async def test_the_trail_is_appended_in_time_order(uow: FakeUnitOfWork) -> None:
    batch = await batches.create_batch(batch_in(), OWNER_A, uow)
    await batches.append_trail_event(AppendTrailEvent(batch.id, _event("packing", 15, "Xưởng")), OWNER_A, uow)
    first = await batches.append_trail_event(AppendTrailEvent(batch.id, _event("harvesting", 7)), OWNER_A, uow)
    assert first.recorded_by == OWNER_A.subject and first.recorded_at.tzinfo is UTC
    same, events = await batches.batch_trail(batch.id, OFFICIAL_19, uow)
    assert same == batch and [e.type for e in events] == ["harvesting", "packing"]


@pytest.mark.parametrize("principal", [OWNER_B, OFFICIAL_24])
async def test_others_neither_see_nor_extend_a_batch(uow: FakeUnitOfWork, principal) -> None:
    batch = await batches.create_batch(batch_in(), OWNER_A, uow)
    with pytest.raises(BatchNotFound):
        await batches.append_trail_event(AppendTrailEvent(batch.id, _event("shipping", 9)), principal, uow)
    with pytest.raises(BatchNotFound):
        await batches.batch_trail(batch.id, principal, uow)
    assert uow.trail.items == {}
    assert await batches.list_batches(principal, uow) == []
    assert [b.id for b in await batches.list_batches(OWNER_A, uow)] == [batch.id]
