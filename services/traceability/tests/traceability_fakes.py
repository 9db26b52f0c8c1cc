"""An in-memory unit of work for the unit tests of app/ (cosmicpython's FakeUnitOfWork): the repositories
of ``app/ports.py`` over dicts, events kept only when committed; and a small world to test in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

from ocop_shared.audit import RecordedActions
from ocop_shared.auth import Principal, Scope
from ocop_shared.errors import Conflict
from ocop_traceability.domain.alerts import CloneAlert
from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.copies import CertificateCopy, ProducerCopy, ProductCopy
from ocop_traceability.domain.epcis.ids import EpcisConfig
from ocop_traceability.domain.epcis.record import DuplicateEvents, Recorded
from ocop_traceability.domain.places import GrowingArea, PackingHouse, Unit
from ocop_traceability.domain.stamps import Stamp, StampChunk, StampRun, StateChange

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


class _Store:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow, self.items = uow, {}

    def _province(self, producer_id: str) -> str | None:
        producer = self.uow.producers.items.get(producer_id)
        return producer.province_code if producer else None

    def in_scope(self, producer_id: str, scope: Scope) -> bool:
        if scope.producer_id is not None:
            return producer_id == scope.producer_id
        return not scope.provinces or self._province(producer_id) in scope.provinces

    async def get(self, entity_id: str) -> Any:
        return self.items.get(entity_id)

    async def add(self, entity: Any) -> None:
        key = getattr(entity, "id", None) or entity.code
        if key in self.items:
            raise Conflict("duplicate_code", f"{key} đã được đăng ký")
        self.items[key] = entity

    async def latest(self, scope: Scope, limit: int, **filters: str | None) -> list[Any]:
        found = [
            e
            for e in self.items.values()
            if self.in_scope(e.producer_id, scope) and all(getattr(e, k) == v for k, v in filters.items() if v)
        ]
        return sorted(found, key=lambda e: e.created_at, reverse=True)[:limit]


class FakeProducers(_Store):
    async def visible(self, scope: Scope) -> list[ProducerCopy]:
        return [p for p in self.items.values() if self.in_scope(p.id, scope)]

    async def apply(self, producer: Any, version: int) -> bool:
        raise NotImplementedError


class FakeProducts(_Store):
    async def visible(self, scope: Scope) -> dict[str, ProductCopy]:
        return {p.id: p for p in self.items.values() if self.in_scope(p.producer_id, scope)}

    async def by_ids(self, ids: list[str]) -> dict[str, ProductCopy]:
        return {i: self.items[i] for i in ids if i in self.items}

    async def by_gtin(self, gtin14: str) -> list[ProductCopy]:
        return sorted((p for p in self.items.values() if p.gtin and p.gtin.zfill(14) == gtin14), key=lambda p: p.id)

    async def apply(self, product: Any, version: int, certificate: Any = None) -> bool:
        raise NotImplementedError


class FakeAreas(_Store):
    async def visible(
        self, scope: Scope, *, producer_id: str | None = None, by_code: bool = False, limit: int = 1000
    ) -> list[GrowingArea]:
        return [
            a
            for a in self.items.values()
            if self.in_scope(a.producer_id, scope) and (producer_id is None or a.producer_id == producer_id)
        ][:limit]

    async def public(self, producer_id: str | None) -> list[GrowingArea]:
        return [a for a in self.items.values() if producer_id is None or a.producer_id == producer_id]


class FakeBatches(_Store):
    async def add(self, entity: Batch) -> None:
        if any(b.lot_key == entity.lot_key for b in self.items.values()):  # the unique lot_key index
            raise Conflict("duplicate_lot", f"Sản phẩm đã có lô {entity.lot}")
        self.items[entity.id] = entity

    async def by_lot(self, product_id: str, lot: str) -> Batch | None:
        return next((b for b in self.items.values() if b.lot_key == f"{product_id}:{lot}"), None)

    async def lots_of(self, product_id: str) -> set[str]:
        return {b.lot for b in self.items.values() if b.product_id == product_id}


class FakeTrail(_Store):
    async def trail(self, batch_id: str, limit: int = 0) -> list[TrailEvent]:
        events = sorted((e for e in self.items.values() if e.batch_id == batch_id), key=lambda e: e.time)
        return events[:limit] if limit else events


class FakeStampRuns(_Store):
    async def update(self, run_id: str, **fields: Any) -> None:
        run = self.items[run_id]
        known = {k: v for k, v in fields.items() if k in StampRun.model_fields}
        self.items[run_id] = run.model_copy(update=known)

    async def claimable(self, worker: str, now: float) -> list[str]:
        return [r.id for r in self.items.values() if r.status in ("queued", "generating", "rendering")]

    async def claim(self, run_id: str, worker: str, now: float, lease_s: float) -> bool:
        return True

    async def renew_lease(self, run_id: str, worker: str, until: float) -> None:
        pass


class FakeStamps(_Store):
    async def insert(self, stamps: list[Stamp]) -> None:
        self.items.update({s.id: s for s in stamps})

    def of(self, run_id: str) -> list[Stamp]:
        return sorted((s for s in self.items.values() if s.run_id == run_id), key=lambda s: s.seq)

    async def count(self, run_id: str) -> int:
        return len(self.of(run_id))

    async def last_seq(self, run_id: str) -> int:
        return max((s.seq for s in self.of(run_id)), default=0)

    async def insert_chunk(self, chunk: StampChunk) -> None:
        await self.insert(chunk.stamps())

    async def labels(self, run_id: str, size: int) -> AsyncIterator[list[tuple[str, str]]]:
        stamps = self.of(run_id)
        for start in range(0, len(stamps), size):
            yield [(s.url, s.id) for s in stamps[start : start + size]]

    async def urls(self, run_id: str) -> AsyncIterator[str]:
        for s in self.of(run_id):
            yield s.url

    async def page(self, run_id: str, skip: int, limit: int) -> list[Stamp]:
        return self.of(run_id)[skip : skip + limit]

    async def states(self, run_id: str) -> dict[str, int]:
        stamps = self.of(run_id)
        return {state: sum(s.state == state for s in stamps) for state in ("issued", "active", "void")}

    async def change(self, change: StateChange, at: datetime, mark: str | None = None) -> int:
        changed = 0
        for s in self.of(change.run_id):
            if s.state in change.sources and s.seq in change.serials:
                s.state = change.target
                changed += 1
                if mark:
                    self.marks[s.id] = mark
        return changed

    @property
    def marks(self) -> dict[str, str]:
        return self.__dict__.setdefault("_marks", {})

    async def marked(self, run_id: str, mark: str) -> list[str]:
        return [s.id for s in self.of(run_id) if self.marks.get(s.id) == mark]

    async def scanned(self, run_ids: list[str]) -> list[Stamp]:
        return [s for s in self.items.values() if s.run_id in run_ids and s.scan_count]

    async def for_scan(self, serial: str | None) -> Stamp | None:
        return self.items.get(serial)

    async def for_scan_many(self, serials: list[str]) -> dict[str, Stamp]:
        return {s: self.items[s] for s in serials if s in self.items}

    async def add_scans(self, counts: dict[str, int], first_seen: dict[str, datetime]) -> None:
        raise NotImplementedError


class FakeScans(_Store):
    async def add_batch(self, records: list[dict[str, Any]]) -> None:
        raise NotImplementedError


class FakeCloneAlerts(_Store):
    async def raise_for(self, stamp: Stamp, reason: str, at: datetime) -> None:
        raise NotImplementedError

    async def newest(self, scope: Scope, limit: int) -> list[CloneAlert]:
        return [a for a in self.items.values() if self.in_scope(a.producer_id, scope)][:limit]


class FakeEpcis(_Store):
    """The EPCIS events recorded (``Recorded``), in order."""

    async def add(self, records: list[Recorded]) -> None:
        for r in records:
            if r.event_id in self.items:
                raise DuplicateEvents(r.event_id)
            self.items[r.event_id] = r

    async def by_event_ids(self, event_ids: Iterable[str]) -> dict[str, Any]:
        return {i: self.items[i] for i in event_ids if i in self.items}

    async def intend(self, mark: str, change: dict[str, Any]) -> None:
        self.uow.intents[mark] = change

    async def intent_done(self, mark: str) -> None:
        self.uow.intents.pop(mark, None)


class FakeListings:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    async def record(self, product_id: str, platform: str, version: int, url: str | None) -> bool:
        held = self.items.get(f"{product_id}:{platform}")
        if held is not None and held["version"] > version:
            return False
        self.items[f"{product_id}:{platform}"] = {
            "product_id": product_id,
            "platform": platform,
            "version": version,
            "url": url,
        }
        return True

    async def of_product(self, product_id: str) -> list[dict[str, str]]:
        return [
            {"platform": d["platform"], "url": d["url"]}
            for d in sorted(self.items.values(), key=lambda d: d["platform"])
            if d["product_id"] == product_id and d["url"]
        ]


class FakeUnitOfWork(RecordedActions):
    """Writes go straight to the dicts; ``commits`` counts the commits and ``published`` holds the events
    of committed units (an uncommitted unit's events are dropped, as the outbox rows would be)."""

    def __init__(self) -> None:
        self.producers, self.products = FakeProducers(self), FakeProducts(self)
        self.growing_areas, self.packing_houses = FakeAreas(self), _Store(self)
        self.batches, self.trail = FakeBatches(self), FakeTrail(self)
        self.stamp_runs, self.stamps = FakeStampRuns(self), FakeStamps(self)
        self.scans, self.clone_alerts = FakeScans(self), FakeCloneAlerts(self)
        self.epcis, self.epcis_config = FakeEpcis(self), EpcisConfig.default()
        self.listings = FakeListings()
        self.intents: dict[str, dict[str, Any]] = {}
        self.commits = 0
        self.pending: list[tuple[BaseModel, str]] = []
        self.published: list[tuple[BaseModel, str]] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        self.pending = []
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.pending = []

    async def commit(self) -> None:
        self.commits += 1
        self.published += self.pending
        self.pending = []

    def emit(self, payload: BaseModel, *, key: str, subject: str | None = None) -> Any:
        self.pending.append((payload, key))


# -- a small world: producers A and B in Thái Nguyên (19), C in Bắc Ninh (24) ------------------------

A, B, C = "producer-a", "producer-b", "producer-c"
OWNER_A = Principal("thoa", "producer", producer_id=A)
OWNER_B = Principal("sangha", "producer", producer_id=B)
OFFICIAL = Principal("canbo", "official")
OFFICIAL_19 = Principal("canbo.thainguyen", "official", provinces=("19",))
OFFICIAL_24 = Principal("canbo.bacninh", "official", provinces=("24",))
PROVINCES = {
    A: Unit(code="19", name="Thái Nguyên"),
    B: Unit(code="19", name="Thái Nguyên"),
    C: Unit(code="24", name="Bắc Ninh"),
}


def area_code(producer_id: str) -> str:
    return f"VN-19-063-{producer_id[-1].upper()}001"


def world() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    for pid, province in PROVINCES.items():
        fake.producers.items[pid] = ProducerCopy(id=pid, public_name=f"HTX {pid}", province=province, version=1)
        certificate = CertificateCopy(
            certificate_id=f"cert-{pid}",
            product_id=f"product-{pid[-1]}",
            stars=4,
            decision_no="1611/QĐ-UBND",
            issued_on=date(2026, 1, 1),
            valid_until=date(2029, 1, 1),
            status="active",
        )
        fake.products.items[f"product-{pid[-1]}"] = ProductCopy(
            id=f"product-{pid[-1]}",
            producer_id=pid,
            name=f"Chè {pid}",
            gtin="8934567890120" if pid == A else None,
            certificate=certificate,
        )
        code = area_code(pid)
        fake.growing_areas.items[code] = GrowingArea(
            code=code,
            scheme="domestic",
            name="Đồi chè",
            crop="chè Shan tuyết",
            producer_id=pid,
            province=province,
            registered_at=NOW,
            area_ha=2.0,
            geometry={"type": "Polygon", "coordinates": []},
        )
        house = f"VN-19-PH-{pid[-1].upper()}"
        fake.packing_houses.items[house] = PackingHouse(
            code=house, scheme="packing_house", name="Xưởng", producer_id=pid, province=province, registered_at=NOW
        )
    return fake
