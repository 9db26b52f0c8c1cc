"""The public portal's data: the whole catalogue of certified products, their producers' public facts, where to
buy them and the growing areas, read in one pass and kept in memory until an event changes it.

Public facts only: a producer's public name, kind, commune and province — never its tax code, phone, e-mail,
representative or address (households are people: their address is personal data).

Freshness: every commit of the registry that emits an event (certificate issued, renewed, upgraded, revoked,
expired; product or producer changed) and every listing or growing-area event applied marks the snapshot
stale at once (``PortalCache.invalidate``); the next request rebuilds it. Other replicas learn of a change
within ``ttl_s`` (default 1 s): then one request looks at the database's change marker (the newest outbox row
and the number of events applied: every change the portal shows adds to one of them) while the others are
served the previous snapshot; only a changed marker, or a snapshot older than ``full_every_s``, reads it all.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ocop_registry.app.ports import CertificateQuery, ProductQuery, UnitOfWork
from ocop_registry.domain.portal import Entry, Unit, newest_first

PRODUCER_KINDS = ("company", "cooperative", "cooperative_group", "household")


@dataclass(frozen=True)
class PublicProducer:
    """A producer as the portal shows it (chủ thể): public name, kind and place only."""

    id: str
    name: str
    kind: str
    legal_form: str | None
    province: Unit
    commune: Unit | None


@dataclass(frozen=True)
class Listing:
    platform: str
    url: str


@dataclass(frozen=True)
class Area:
    """A growing area's public facts and outline (GeoJSON)."""

    code: str
    name: str
    producer_id: str
    crop: str
    area_ha: float
    province: str
    commune: str | None
    certifications: tuple[str, ...]
    geometry: dict[str, Any]


@dataclass
class Portal:
    """One consistent snapshot of everything the portal shows."""

    entries: list[Entry]  # certified products (an active certificate, still valid today)
    producers: dict[str, PublicProducer]  # those with at least one certified product
    listings: dict[str, list[Listing]]  # product id → published listings with a URL
    areas: list[Area]  # of the producers shown
    marker: Any = None  # the database's change marker read before the snapshot (``UnitOfWork.changes``)
    built_at: float = field(default_factory=time.monotonic)  # when it was last known current
    loaded_at: float = field(default_factory=time.monotonic)  # when it was last read whole
    by_id: dict[str, Entry] = field(init=False)

    fingerprint: int = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {e.product_id: e for e in self.entries}
        self.fingerprint = hash(
            (
                tuple(self.entries),
                tuple(sorted(self.producers.items())),
                tuple((k, tuple(v)) for k, v in sorted(self.listings.items())),
                tuple((a.code, a.producer_id, a.name, json.dumps(a.geometry, sort_keys=True)) for a in self.areas),
            )
        )

    def newest(self, n: int) -> list[Entry]:
        return newest_first(self.entries)[:n]

    def of_producer(self, producer_id: str) -> list[Entry]:
        return sorted((e for e in self.entries if e.producer_id == producer_id), key=lambda e: (-e.stars, e.name))

    def areas_of(self, producer_id: str) -> list[Area]:
        return [a for a in self.areas if a.producer_id == producer_id]


def _unit(value: dict | None) -> Unit | None:
    if not value or not value.get("name"):
        return None
    return Unit(value.get("code"), str(value["name"]))


async def load_portal(uow: UnitOfWork, today: date | None = None) -> Portal:
    """Read the catalogue (plain reads, no transaction): active certificates valid today, their products and
    producers, the published listings and the growing areas."""
    today = today or date.today()
    marker = await uow.changes.marker()
    certificates = [
        c for c in await uow.certificates.select(CertificateQuery(status="active")) if c.valid_until >= today
    ]
    products = {p.id: p for p in await uow.products.select(ProductQuery(ids=tuple(c.product_id for c in certificates)))}
    producers = await uow.producers.many({c.producer_id for c in certificates})
    public: dict[str, PublicProducer] = {}
    entries = []
    for c in certificates:
        p, producer = products.get(c.product_id), producers.get(c.producer_id)
        if p is None or producer is None:
            continue
        province = _unit(producer.province) or Unit(None, "")
        commune = _unit(producer.commune)
        public[producer.id] = PublicProducer(
            producer.id,
            producer.public_name or producer.name,
            producer.kind.value,
            producer.legal_form,
            province,
            commune,
        )
        entries.append(
            Entry.of(
                product_id=p.id,
                name=p.name,
                group=p.group.value,
                sub_group=p.sub_group,
                description=p.description,
                unit=p.unit,
                price_vnd=p.price_vnd,
                images=tuple(i for i in p.images if i.startswith(("https://", "http://")) or i[:2] in ("/s", "/i")),
                gtin=p.gtin,
                quality=tuple(q.scheme for q in p.certifications),
                stars=c.stars,
                certificate_id=c.id,
                decision_no=c.decision_no,
                issued_on=c.issued_on.isoformat(),
                valid_until=c.valid_until.isoformat(),
                producer_id=producer.id,
                producer_name=producer.public_name or producer.name,
                province=province,
                commune=commune,
            )
        )
    listings: dict[str, list[Listing]] = {}
    for doc in sorted(await uow.listings.published(), key=lambda d: str(d.get("platform"))):
        url = doc.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")) and doc.get("product_id") in products:
            listings.setdefault(doc["product_id"], []).append(Listing(str(doc["platform"]), url))
    areas = [
        Area(
            code=d["code"],
            name=str(d.get("name", "")),
            producer_id=str(d.get("producer_id", "")),
            crop=str(d.get("crop", "")),
            area_ha=float(d.get("area_ha") or 0),
            province=str((d.get("province") or {}).get("name", "")),
            commune=(d.get("commune") or {}).get("name"),
            certifications=tuple(d.get("certifications") or ()),
            geometry=d.get("geometry") or {},
        )
        for d in await uow.areas.all()
        if d.get("producer_id") in public and (d.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")
    ]
    return Portal(entries, public, listings, sorted(areas, key=lambda a: a.code), marker)


class PortalCache:
    """The current :class:`Portal` and the pages rendered from it (by URL and language), dropped together
    when an event changes what the portal shows."""

    def __init__(self, ttl_s: float = 1.0, max_pages: int = 2000, full_every_s: float = 60.0) -> None:
        self.ttl_s, self.max_pages, self.full_every_s = ttl_s, max_pages, full_every_s
        self.portal: Portal | None = None
        self.generation = 0  # bumped by every invalidation
        self.pages: dict[tuple[str, ...], tuple[Portal, int, bytes, dict[str, str]]] = {}
        self._building: asyncio.Future | None = None
        self._building_generation = -1
        self._built_generation = -1

    def invalidate(self) -> None:
        self.generation += 1
        self.pages.clear()

    def fresh(self) -> bool:
        return (
            self.portal is not None
            and self._built_generation == self.generation
            and time.monotonic() - self.portal.built_at < self.ttl_s
        )

    async def current(
        self, load: Callable[[], Awaitable[Portal]], marker: Callable[[], Awaitable[Any]] | None = None
    ) -> Portal:
        """The snapshot: rebuilt when stale by one task. When only the TTL ran out, callers keep the previous
        snapshot meanwhile; after an invalidation every caller waits for a snapshot read after it, so a revoked
        product is never shown once its revocation committed in this process."""
        for _ in range(3):  # a change arriving during every rebuild: serve the latest read after three tries
            if self.fresh():
                break
            if self._building is None or self._building.done() or self._building_generation != self.generation:
                self._building_generation = self.generation
                self._building = asyncio.ensure_future(self._rebuild(load, self.generation, marker))
            if self.portal is not None and self._built_generation == self.generation:
                break  # only the TTL ran out
            await asyncio.shield(self._building)
        assert self.portal is not None
        return self.portal

    async def _rebuild(
        self, load: Callable[[], Awaitable[Portal]], generation: int, marker: Callable[[], Awaitable[Any]] | None
    ) -> None:
        current = self.portal
        if (
            marker is not None
            and current is not None
            and generation == self._built_generation
            and time.monotonic() - current.loaded_at < self.full_every_s
            # only the TTL ran out: a cheap look at the database's change marker before reading everything
            and await marker() == current.marker
        ):
            current.built_at = time.monotonic()
            return
        portal = await load()
        if generation < self._built_generation:
            return
        if self.portal is not None and portal.fingerprint == self.portal.fingerprint:
            # nothing changed (the TTL ran out): keep the rendered pages
            self.portal.built_at = self.portal.loaded_at = portal.built_at
            self.portal.marker = portal.marker
        else:
            self.portal = portal
            self.pages.clear()
        self._built_generation = generation

    def page(self, key: tuple[str, ...], portal: Portal) -> tuple[int, bytes, dict[str, str]] | None:
        """A page rendered from ``portal`` (the snapshot :meth:`current` answered), if there is one."""
        hit = self.pages.get(key)
        if hit is None or hit[0] is not portal:
            return None
        return hit[1], hit[2], hit[3]

    def keep(self, key: tuple[str, ...], portal: Portal, status: int, body: bytes, headers: dict[str, str]) -> None:
        if len(self.pages) >= self.max_pages:
            self.pages.clear()  # hostile URL variety must not grow memory: start again
        self.pages[key] = (portal, status, body, headers)
