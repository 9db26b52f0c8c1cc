"""The portal's catalogue rules (search without diacritics, filters, pages, counts) and its snapshot cache
(an invalidation is seen at once, a TTL expiry looks at the change marker first, pages follow the snapshot)."""

from __future__ import annotations

import asyncio

import pytest

from ocop_registry.app.portal import Portal, PortalCache
from ocop_registry.domain.portal import Entry, Filters, Unit, counts, fold, select, units

THAI_NGUYEN = Unit("19", "Thái Nguyên")


def entry(i: int, name: str, group: str = "food", stars: int = 3, commune: str = "Xã Chợ Đồn", **kw) -> Entry:
    fields = dict(
        product_id=f"p{i}",
        name=name,
        group=group,
        description="",
        unit=None,
        price_vnd=None,
        images=(),
        gtin=None,
        stars=stars,
        certificate_id=f"c{i}",
        decision_no="1/QĐ-UBND",
        issued_on=f"2026-0{1 + i % 9}-01",
        valid_until="2029-01-01",
        producer_id=f"pr{i % 2}",
        producer_name="HTX Sang Hà",
        province=THAI_NGUYEN,
        commune=Unit(None, commune),
    )
    return Entry.of(**(fields | kw))


CATALOGUE = [
    entry(1, "Chè Shan tuyết Chợ Đồn", "beverage", 4),
    entry(2, "Miến dong Na Rì", "food", 3, "Xã Na Rì"),
    entry(3, "Hạt dẻ Ngân Sơn", "food", 4),
    entry(4, "Giỏ mây đan", "handicraft", 5, province=Unit("24", "Bắc Ninh")),
]


def names(selection) -> list[str]:
    return [e.name for e in selection.entries]


def test_search_ignores_case_and_diacritics():
    assert fold("  Chè  SHAN tuyết Đồng Hỷ ") == "che shan tuyet dong hy"
    assert names(select(CATALOGUE, Filters(text="che shan tuyet"))) == ["Chè Shan tuyết Chợ Đồn"]
    assert names(select(CATALOGUE, Filters(text="HẠT DẺ"))) == ["Hạt dẻ Ngân Sơn"]
    assert names(select(CATALOGUE, Filters(text="na ri"))) == ["Miến dong Na Rì"]  # the commune is searched too
    assert select(CATALOGUE, Filters(text="cà phê")).total == 0


def test_filters_combine_and_sort_by_stars_then_name():
    assert names(select(CATALOGUE, Filters(group="food"))) == ["Hạt dẻ Ngân Sơn", "Miến dong Na Rì"]
    assert names(select(CATALOGUE, Filters(stars=4))) == ["Chè Shan tuyết Chợ Đồn", "Hạt dẻ Ngân Sơn"]
    assert names(select(CATALOGUE, Filters(province="24"))) == ["Giỏ mây đan"]
    assert names(select(CATALOGUE, Filters(province="19", commune="Xã Na Rì"))) == ["Miến dong Na Rì"]
    assert names(select(CATALOGUE, Filters()))[0] == "Giỏ mây đan"  # 5★ first


def test_pages_are_clamped():
    many = [entry(i, f"Sản phẩm {i:03d}") for i in range(50)]
    first, last = select(many, Filters(page=1), page_size=24), select(many, Filters(page=99), page_size=24)
    assert (first.pages, len(first.entries), last.page, len(last.entries)) == (3, 24, 3, 2)
    assert select(many, Filters(page=-5), page_size=24).page == 1


def test_counts_and_units():
    by_group, by_stars = counts(CATALOGUE)
    assert list(by_group) == ["food", "beverage", "herbal", "handicraft", "ornamental", "tourism"]
    assert by_group["food"] == 2 and by_group["herbal"] == 0 and by_stars == {5: 1, 4: 2, 3: 1}
    provinces, communes = units(CATALOGUE, "19")
    assert [p.name for p in provinces] == ["Bắc Ninh", "Thái Nguyên"]
    assert [c.name for c in communes] == ["Xã Chợ Đồn", "Xã Na Rì"]


class Source:
    """What the cache reads: a snapshot per load, and the database's change marker."""

    def __init__(self) -> None:
        self.entries = list(CATALOGUE)
        self.marker = 0
        self.loads = 0

    async def load(self) -> Portal:
        self.loads += 1
        await asyncio.sleep(0)
        return Portal(list(self.entries), {}, {}, [], self.marker)

    async def changes(self):
        return self.marker


async def test_an_invalidation_is_seen_by_the_next_request():
    source, cache = Source(), PortalCache(ttl_s=60)
    first = await cache.current(source.load, source.changes)
    assert len(first.entries) == 4 and source.loads == 1
    assert await cache.current(source.load, source.changes) is first and source.loads == 1  # cached
    cache.keep(("k",), first, 200, b"page", {})
    assert cache.page(("k",), first) == (200, b"page", {})
    source.entries.pop()  # a revocation committed here
    cache.invalidate()
    second = await cache.current(source.load, source.changes)
    assert len(second.entries) == 3 and source.loads == 2
    assert cache.page(("k",), second) is None  # pages of the old snapshot are gone


async def test_after_the_ttl_the_marker_decides_whether_to_read_again():
    source, cache = Source(), PortalCache(ttl_s=0.01)
    first = await cache.current(source.load, source.changes)
    cache.keep(("k",), first, 200, b"page", {})
    await asyncio.sleep(0.02)
    assert await cache.current(source.load, source.changes) is first  # served while it looks
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert source.loads == 1 and cache.fresh() and cache.page(("k",), first) is not None  # marker unchanged
    source.entries.pop()  # another replica revoked a certificate: its outbox row moves the marker
    source.marker = 1
    await asyncio.sleep(0.02)
    await cache.current(source.load, source.changes)
    for _ in range(5):
        await asyncio.sleep(0)
    assert source.loads == 2
    assert len((await cache.current(source.load, source.changes)).entries) == 3


@pytest.mark.parametrize("size", [2, 3])
async def test_page_cache_is_bounded(size):
    source, cache = Source(), PortalCache(ttl_s=60, max_pages=size)
    portal = await cache.current(source.load)
    for i in range(10):
        cache.keep((str(i),), portal, 200, b"", {})
    assert len(cache.pages) <= size
