"""The scan page's cache of batch parts never keeps what was read before an invalidation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from ocop_traceability.app.scan import ScanService
from ocop_traceability.domain.batches import Batch
from ocop_traceability.domain.clones import CloneRule

BATCH = Batch(
    id="b",
    product_id="p",
    producer_id="pr",
    growing_area_code="VN-19-063-02020-001",
    harvest_date="2026-10-28",
    quantity=50,
    unit="kg",
    lot="CD-2610-01",
    created_at=datetime.now(UTC),
)


class Found:
    def __init__(self, value: Any = None) -> None:
        self.value = value

    async def get(self, _key: str) -> Any:
        return self.value


class SlowProducts(Found):
    """The product read of a load waits for ``release``; counts the loads."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.loads = 0

    async def get(self, _key: str) -> Any:
        self.loads += 1
        await self.release.wait()
        return None


def scan_service(products: Found) -> ScanService:
    async def nothing(*_args: Any, **_kw: Any) -> list:
        return []

    reads = SimpleNamespace(
        batches=Found(BATCH),
        growing_areas=Found(),
        products=products,
        producers=Found(),
        trail=SimpleNamespace(trail=nothing),
        listings=SimpleNamespace(of_product=nothing),
    )
    rule = CloneRule(window=timedelta(hours=1), max_clients=5, max_km=50)
    return ScanService(reads, rule, cache_ttl_s=60)  # type: ignore[arg-type]


async def test_a_load_begun_before_an_invalidation_is_not_cached() -> None:
    products = SlowProducts()
    scan = scan_service(products)
    loading = asyncio.create_task(scan.batch_parts("b"))
    await asyncio.sleep(0)
    assert products.loads == 1
    scan.invalidate(product_id="p")  # the certificate changed while the old state was being read
    products.release.set()
    await loading
    await scan.batch_parts("b")
    assert products.loads == 2  # read again, not served from what the first load saw


async def test_without_an_invalidation_the_load_is_cached() -> None:
    products = SlowProducts()
    products.release.set()
    scan = scan_service(products)
    await scan.batch_parts("b")
    await scan.batch_parts("b")
    assert products.loads == 1
