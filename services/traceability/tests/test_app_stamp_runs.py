"""Stamp runs through app/ with the in-memory unit of work: ordering, refusals, activate and void (whole run
and serial ranges), issuing, and who may do it."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from ocop_shared.events.models import StampRunIssued
from ocop_traceability.app import batches, stamp_runs
from ocop_traceability.app.commands import BatchIn, ChangeStamps, OrderStampRun
from ocop_traceability.domain.codes import display_serial
from ocop_traceability.domain.errors import BadRange, BatchNotFound, CountOutOfRange, NotReady, StampRunNotFound
from ocop_traceability.domain.stamps import ACTIVE, VOID, SerialRange, new_stamps

# the fakes beside these tests (pytest's importlib mode puts no test folder on sys.path)
sys.path.append(str(Path(__file__).parent))
from traceability_fakes import OFFICIAL_19, OFFICIAL_24, OWNER_A, OWNER_B, A, FakeUnitOfWork, area_code, world

MAX = 1000


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return world()


class Jobs:
    """Records the jobs started, and whether the run was committed by then."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow, self.started = uow, []

    def start(self, run_id: str) -> None:
        self.started.append((run_id, run_id in self.uow.stamp_runs.items, self.uow.commits))


class Cache:
    def __init__(self) -> None:
        self.dropped: list[str] = []

    def invalidate_run(self, run_id: str) -> None:
        self.dropped.append(run_id)


async def _batch(uow: FakeUnitOfWork) -> str:
    cmd = BatchIn(
        product_id="product-a", growing_area_code=area_code(A), harvest_date=date(2026, 11, 1), quantity=5, unit="kg"
    )
    return (await batches.create_batch(cmd, OWNER_A, uow)).id


async def _order(uow: FakeUnitOfWork, count: int = 30, principal=OWNER_A, jobs: Jobs | None = None):
    batch_id = await _batch(uow)
    return await stamp_runs.order_stamp_run(
        OrderStampRun(batch_id, count, {}), principal, uow, max_count=MAX, jobs=jobs or Jobs(uow)
    )


async def _ready_run(uow: FakeUnitOfWork, count: int = 30):
    """A run as its job leaves it: stamps stored, then issued."""
    run = await _order(uow, count)
    await uow.stamps.insert(new_stamps(run, "https://trace.example", 1, count))
    await stamp_runs.issue_run(run, uow)
    return run


async def test_ordering_stores_a_queued_run_then_starts_its_job(uow: FakeUnitOfWork) -> None:
    jobs = Jobs(uow)
    run = await _order(uow, 30, jobs=jobs)
    stored = uow.stamp_runs.items[run.id]
    assert stored.status == "queued" and stored.count == 30 and stored.lot == "261101-1"
    assert stored.gtin == "8934567890120" and stored.producer_id == A and stored.requested_by == OWNER_A.subject
    commits = uow.commits
    assert jobs.started == [(run.id, True, commits)]  # after the run is committed, never before
    assert uow.published == []  # stamp_run.issued only once the run is generated


@pytest.mark.parametrize("count", [0, -1, MAX + 1])
async def test_a_count_out_of_range_is_refused_and_starts_nothing(uow: FakeUnitOfWork, count: int) -> None:
    jobs = Jobs(uow)
    with pytest.raises(CountOutOfRange) as refused:
        await _order(uow, count, jobs=jobs)
    assert refused.value.status == 422 and f"từ 1 đến {MAX:,}" in refused.value.message
    assert uow.stamp_runs.items == {} and jobs.started == []


@pytest.mark.parametrize("principal", [OWNER_B, OFFICIAL_24])
async def test_others_cannot_order_for_a_batch_they_do_not_reach(uow: FakeUnitOfWork, principal) -> None:
    batch_id = await _batch(uow)
    jobs = Jobs(uow)
    with pytest.raises(BatchNotFound):  # 404: the batch is not even confirmed to exist
        await stamp_runs.order_stamp_run(OrderStampRun(batch_id, 10, {}), principal, uow, max_count=MAX, jobs=jobs)
    assert uow.stamp_runs.items == {} and jobs.started == []


async def test_an_official_of_the_province_orders_for_the_producer(uow: FakeUnitOfWork) -> None:
    batch_id = await _batch(uow)
    run = await stamp_runs.order_stamp_run(
        OrderStampRun(batch_id, 10, {}), OFFICIAL_19, uow, max_count=MAX, jobs=Jobs(uow)
    )
    assert uow.stamp_runs.items[run.id].requested_by == OFFICIAL_19.subject


async def test_issuing_marks_the_run_ready_and_emits_stamp_run_issued(uow: FakeUnitOfWork) -> None:
    run = await _ready_run(uow, 12)
    assert uow.stamp_runs.items[run.id].status == "ready"
    [(event, key)] = uow.published
    assert isinstance(event, StampRunIssued) and key == run.product_id
    assert (event.run_id, event.batch_id, event.count, event.producer_id) == (run.id, run.batch_id, 12, A)
    status = await stamp_runs.run_status(run.id, OWNER_A, uow)
    assert status.states == {"issued": 12, "active": 0, "void": 0}


async def test_activate_the_run_then_void_a_range(uow: FakeUnitOfWork) -> None:
    run, cache = await _ready_run(uow, 30), Cache()
    assert await stamp_runs.change_stamps(ChangeStamps(run.id, ACTIVE), OWNER_A, uow, cache) == 30
    voided = ChangeStamps(run.id, VOID, SerialRange(11, 20))
    assert await stamp_runs.change_stamps(voided, OWNER_A, uow, cache) == 10
    assert (await stamp_runs.run_status(run.id, OWNER_A, uow)).states == {"issued": 0, "active": 20, "void": 10}
    assert [s.seq for s in uow.stamps.of(run.id) if s.state == VOID] == list(range(11, 21))
    assert cache.dropped == [run.id, run.id]  # the scan page forgets the changed stamps at once


async def test_void_is_final_and_activation_only_from_issued(uow: FakeUnitOfWork) -> None:
    run, cache = await _ready_run(uow, 10), Cache()
    assert await stamp_runs.change_stamps(ChangeStamps(run.id, VOID, SerialRange(1, 3)), OWNER_A, uow, cache) == 3
    assert await stamp_runs.change_stamps(ChangeStamps(run.id, ACTIVE), OWNER_A, uow, cache) == 7  # not the void ones
    assert await stamp_runs.change_stamps(ChangeStamps(run.id, ACTIVE), OWNER_A, uow, cache) == 0  # nothing left
    assert await stamp_runs.change_stamps(ChangeStamps(run.id, VOID, SerialRange(to_seq=5)), OWNER_A, uow, cache) == 2
    assert (await stamp_runs.run_status(run.id, OWNER_A, uow)).states == {"issued": 0, "active": 5, "void": 5}


async def test_open_ended_ranges(uow: FakeUnitOfWork) -> None:
    run, cache = await _ready_run(uow, 10), Cache()
    assert (
        await stamp_runs.change_stamps(ChangeStamps(run.id, ACTIVE, SerialRange(from_seq=8)), OWNER_A, uow, cache) == 3
    )
    assert [s.seq for s in uow.stamps.of(run.id) if s.state == ACTIVE] == [8, 9, 10]


@pytest.mark.parametrize("principal", [OWNER_B, OFFICIAL_24])
async def test_others_cannot_change_stamps_nor_see_the_run(uow: FakeUnitOfWork, principal) -> None:
    run, cache = await _ready_run(uow, 5), Cache()
    with pytest.raises(StampRunNotFound):
        await stamp_runs.change_stamps(ChangeStamps(run.id, VOID), principal, uow, cache)
    with pytest.raises(StampRunNotFound):
        await stamp_runs.run_status(run.id, principal, uow)
    assert {s.state for s in uow.stamps.of(run.id)} == {"issued"} and cache.dropped == []
    assert await stamp_runs.list_runs(principal, uow) == []
    assert [r.id for r in await stamp_runs.list_runs(OFFICIAL_19, uow)] == [run.id]


def test_a_reversed_range_is_refused() -> None:
    with pytest.raises(BadRange):
        SerialRange(5, 2).check_ordered()
    SerialRange(2, 2).check_ordered()
    SerialRange(None, 2).check_ordered()


async def test_files_only_once_the_run_is_ready(uow: FakeUnitOfWork, tmp_path) -> None:
    run = await _order(uow, 5)

    class Files:
        def path(self, run_id: str):
            return tmp_path / f"{run_id}.pdf"

    with pytest.raises(NotReady) as refused:
        await stamp_runs.sheet_of(run.id, OWNER_A, uow, Files())
    assert refused.value.status == 409 and "queued" in refused.value.message
    with pytest.raises(NotReady):
        await stamp_runs.codes_of(run.id, OWNER_A, uow)
    await uow.stamps.insert(new_stamps(run, "https://trace.example", 1, 5))
    await stamp_runs.issue_run(run, uow)
    (tmp_path / f"{run.id}.pdf").write_bytes(b"%PDF")
    sheet = await stamp_runs.sheet_of(run.id, OWNER_A, uow, Files())
    assert sheet.filename == f"tem-261101-1-{run.id}.pdf"
    urls = [u async for u in await stamp_runs.codes_of(run.id, OWNER_A, uow)]
    assert len(urls) == 5 and all(u.startswith("https://TRACE.EXAMPLE/01/08934567890120/10/261101-1/21/") for u in urls)


async def test_roll_and_zpl_only_once_the_run_is_ready_and_only_for_those_who_reach_it(uow, tmp_path) -> None:
    from ocop_traceability.adapters.sheet_files import SheetFiles

    files = SheetFiles(tmp_path)
    run = await _order(uow, 3)
    for fmt in ("roll", "zpl"):
        with pytest.raises(NotReady):
            await stamp_runs.print_file(run.id, OWNER_A, uow, files, fmt, "40x30", 203)
    await uow.stamps.insert(new_stamps(run, "https://trace.example", 1, 3))
    await stamp_runs.issue_run(run, uow)
    with pytest.raises(StampRunNotFound):
        await stamp_runs.print_file(run.id, OWNER_B, uow, files, "zpl", "40x30", 203)
    roll = await stamp_runs.print_file(run.id, OWNER_A, uow, files, "roll", "50x30", 203)
    pdf = b"".join([part async for part in roll.parts])
    assert roll.filename == f"tem-261101-1-{run.id}-cuon-50x30.pdf" and pdf.count(b"/Type/Page/") == 3
    zpl = await stamp_runs.print_file(run.id, OWNER_A, uow, files, "zpl", "40x30", 300)
    text = b"".join([part async for part in zpl.parts]).decode()
    assert zpl.filename.endswith("-40x30-300dpi.zpl") and text.count("^XA") == 3 == text.count("^XZ")
    assert [line.split("^FD")[-1].split("^FS")[0] for line in text.splitlines()] == [
        display_serial(s.id) for s in uow.stamps.of(run.id)
    ]  # in serial order
