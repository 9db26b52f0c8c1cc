"""An in-memory unit of work for the app/ unit tests (cosmicpython's FakeUnitOfWork / FakeRepository).

A plain module, not a conftest: a second conftest.py would shadow the root one that the integration tests
import by name (``from conftest import auth``).

It behaves like the Mongo one where the use cases can tell: stored entities are copies (changing a loaded
entity changes nothing until it is saved), unique keys answer 409, leaving ``async with`` without commit
puts every store back as it was, and the events the aggregates recorded are collected at commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from ocop_registry.app.ports import CertificateQuery, CouncilQuery, DossierQuery, ProductQuery
from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.certification import Councils
from ocop_registry.domain.council import Council, MemberScore
from ocop_registry.domain.dossier import Dossier, EvidenceNotFound
from ocop_registry.domain.producer import Producer, ProducerKind
from ocop_registry.domain.product import Product, ProductGroup
from ocop_registry.domain.scoring import Evaluation, stars_for
from ocop_shared.audit import RecordedActions
from ocop_shared.errors import Conflict

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
COUNCILS = Councils({"commune": 3, "district": 3, "province": 4, "central": 5})
PROVINCES = {"19": "Thái Nguyên", "24": "Bắc Ninh"}


class FakeRepository:
    def __init__(self, uow: FakeUnitOfWork, unique: Callable[[Any], str] | None = None) -> None:
        self.uow = uow
        self.items: dict[str, Any] = {}
        self._unique = unique

    def _track(self, entity: Any) -> Any:
        self.uow.seen.append(entity)
        return entity

    async def get(self, entity_id: str) -> Any:
        item = self.items.get(entity_id)
        return self._track(item.model_copy(deep=True)) if item is not None else None

    async def add(self, entity: BaseModel) -> None:
        await self.add_many([entity])

    async def add_many(self, entities: list[Any]) -> None:
        if self._unique:
            taken = {self._unique(e) for e in self.items.values()}
            if any(self._unique(e) in taken for e in entities):
                raise Conflict("duplicate", "Bản ghi đã tồn tại")
        for e in entities:
            if e.id in self.items:
                raise Conflict("duplicate", "Bản ghi đã tồn tại")
            self.items[e.id] = self._stored(e)
            self._track(e)

    async def save(self, entity: Any) -> None:
        self.items[entity.id] = self._stored(entity)
        self._track(entity)

    @staticmethod
    def _stored(entity: Any) -> Any:
        """What the store keeps: a copy without the events recorded (they go to the outbox, not the record)."""
        stored = entity.model_copy(deep=True)
        if getattr(stored, "events", None):
            stored.events = []
        return stored

    def _all(self, sort: str = "id") -> list[Any]:
        return sorted((e.model_copy(deep=True) for e in self.items.values()), key=lambda e: getattr(e, sort))

    @staticmethod
    def _page(found: list[Any], limit: int, skip: int) -> list[Any]:
        return found[skip : skip + limit] if limit else found[skip:]


class FakeProducers(FakeRepository):
    async def many(self, ids: Iterable[str]) -> dict[str, Producer]:
        return {e.id: e for e in self._all() if e.id in set(ids)}

    async def by_tax_codes(self, tax_codes: list[str]) -> dict[str, Producer]:
        return {e.tax_code: e for e in self._all() if e.tax_code in tax_codes}

    async def in_provinces(self, provinces: tuple[str, ...], *, limit: int, skip: int = 0) -> list[Producer]:
        return self._page([e for e in self._all() if not provinces or e.province_code in provinces], limit, skip)


class FakeProducts(FakeRepository):
    async def by_keys(self, keys: list[str]) -> dict[str, Product]:
        return {e.natural_key: e for e in self._all() if e.natural_key in keys}

    async def select(self, q: ProductQuery) -> list[Product]:
        found = [
            e
            for e in self._all()
            if (q.ids is None or e.id in q.ids)
            and (not q.producer_id or e.producer_id == q.producer_id)
            and (not q.group or e.group == q.group)
        ]
        return self._page(found, q.limit, q.skip)


class FakeEvaluations(FakeRepository):
    async def of_product(self, product_id: str, *, sort: str = "_id") -> list[Evaluation]:
        return [e for e in self._all("id" if sort == "_id" else sort) if e.product_id == product_id]


class FakeCertificates(FakeRepository):
    async def select(self, q: CertificateQuery) -> list[Certificate]:
        def matches(c: Certificate) -> bool:
            until = c.valid_until.isoformat()
            return (
                (q.ids is None or c.id in q.ids)
                and (not q.status or c.status == q.status)
                and (not q.product_id or c.product_id == q.product_id)
                and (not q.producer_id or c.producer_id == q.producer_id)
                and (not q.provinces or c.province.get("code") in q.provinces)
                and (not q.province_code or c.province.get("code") == q.province_code)
                and (not q.province_name or c.province.get("name") == q.province_name)
                and (not q.group or c.group == q.group)
                and (not q.stars or c.stars == q.stars)
                and (not q.valid_until_before or until < q.valid_until_before)
                and (not q.valid_until_through or until <= q.valid_until_through)
            )

        found = [c for c in self._all("id" if q.sort == "_id" else q.sort) if matches(c)]
        return self._page(found, q.limit, q.skip)


class FakeUsers(FakeRepository):
    async def put(self, user: Any) -> None:
        await self.save(user)

    async def all(self) -> list[Any]:
        return self._all()


class FakeListings:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    async def record(self, product_id: str, platform: str, version: int, fields: dict[str, Any]) -> bool:
        key = f"{product_id}:{platform}"
        current = self.items.get(key)
        if current is not None and current["version"] > version:
            return False
        self.items[key] = {
            **(current or {}),
            "product_id": product_id,
            "platform": platform,
            "version": version,
            **fields,
        }
        return True

    async def of_product(self, product_id: str) -> list[dict[str, Any]]:
        return sorted(
            (dict(d) for d in self.items.values() if d["product_id"] == product_id), key=lambda d: d["platform"]
        )


class FakeTraced:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    async def record_run(self, product_id: str, producer_id: str, issued_at: datetime, count: int) -> None:
        doc = self.items.setdefault(product_id, {"producer_id": producer_id, "runs": 0, "stamps": 0})
        doc["runs"] += 1
        doc["stamps"] += count

    async def among(self, product_ids: Iterable[str]) -> set[str]:
        return set(product_ids) & set(self.items)


class FakeDossiers(FakeRepository):
    async def select(self, q: DossierQuery) -> list[Dossier]:
        found = [
            d
            for d in self._all()
            if (q.ids is None or d.id in q.ids)
            and (not q.product_id or d.product_id == q.product_id)
            and (not q.producer_id or d.producer_id == q.producer_id)
            and (not q.provinces or d.province_code in q.provinces)
            and (not q.statuses or d.status.value in q.statuses)
            and (not q.cycle_year or d.cycle_year == q.cycle_year)
        ]
        found.sort(key=lambda d: (-d.cycle_year, d.id))
        return found[: q.limit] if q.limit else found

    async def using_file(self, file_id: str) -> list[str]:
        return [d.id for d in self._all() if any(e.file_id == file_id for e in d.evidence)]

    async def file_ids(self) -> set[str]:
        return {e.file_id for d in self._all() for e in d.evidence}


class FakeCouncils(FakeRepository):
    async def select(self, q: CouncilQuery) -> list[Council]:
        found = [
            c
            for c in self._all()
            if (not q.member or c.member(q.member) is not None) and (not q.provinces or c.province_code in q.provinces)
        ]
        found.sort(key=lambda c: (c.meeting_on, c.id), reverse=True)
        return found[: q.limit] if q.limit else found


class FakeScores(FakeRepository):
    async def of_council(self, council_id: str) -> list[MemberScore]:
        return [s for s in self._all() if s.council_id == council_id]


class FakeEvidenceStore:
    """Files in a dict (GridFS stands outside the unit of work: an aborted transaction keeps what was put)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def put(self, data: bytes, *, filename: str, content_type: str, metadata: dict[str, Any]) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return file_id

    async def open(self, file_id: str):
        if file_id not in self.files:
            raise EvidenceNotFound()
        data = self.files[file_id]

        async def chunks():
            yield data

        return len(data), chunks()

    async def delete(self, file_id: str) -> None:
        self.files.pop(file_id, None)


class FakeUnitOfWork(RecordedActions):
    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.events: list[tuple[BaseModel, str, str | None]] = []
        self.published: list[tuple[BaseModel, str, str | None]] = []  # (payload, key, subject) of committed events
        self.commits = 0
        self.producers = FakeProducers(self, unique=lambda p: p.tax_code)
        self.products = FakeProducts(self, unique=lambda p: p.natural_key)
        self.evaluations = FakeEvaluations(self)
        self.certificates = FakeCertificates(self)
        self.users = FakeUsers(self)
        self.listings = FakeListings()
        self.traced = FakeTraced()
        self.dossiers = FakeDossiers(self, unique=lambda d: d.natural_key)
        self.councils = FakeCouncils(self)
        self.scores = FakeScores(self)
        self._stores = (
            self.producers,
            self.products,
            self.evaluations,
            self.certificates,
            self.users,
            self.listings,
            self.traced,
            self.dossiers,
            self.councils,
            self.scores,
        )

    async def __aenter__(self) -> FakeUnitOfWork:
        self.seen, self.events, self._committed = [], [], False
        self._before = [dict(s.items) for s in self._stores]  # entries are copies, never changed in place
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._committed:  # a transaction aborted: nothing it wrote stays
            for store, items in zip(self._stores, self._before, strict=True):
                store.items = items

    def emit(self, payload: BaseModel, *, key: str, subject: str | None = None) -> None:
        self.events.append((payload, key, subject or key))

    async def commit(self) -> None:
        for aggregate in self.seen:
            recorded = getattr(aggregate, "events", None) or []
            while recorded:
                r = recorded.pop(0)
                self.emit(r.payload, key=r.key, subject=r.subject)
        self.published += self.events
        self.events, self._committed = [], True
        self.commits += 1

    def payloads(self, kind: type) -> list[Any]:
        return [p for p, _key, _subject in self.published if isinstance(p, kind)]


# -- seeding (straight into the stores: these tests are about the use cases, not about registering) -----


class Seed:
    """Records put straight into a fake unit of work's stores."""

    councils = COUNCILS
    now = NOW

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def producer(self, producer_id: str, province: str = "19") -> Producer:
        n = len(self.uow.producers.items) + 1
        p = Producer(
            id=producer_id,
            name=f"HTX {producer_id}",
            kind=ProducerKind.cooperative,
            tax_code=f"{n:010d}",
            province={"code": province, "name": PROVINCES[province]},
            commune={"code": "01234", "name": "Xã Chợ Đồn"},
            address="",
            registered_at=NOW,
        )
        self.uow.producers.items[p.id] = p
        return p

    def product(self, product_id: str, producer_id: str) -> Product:
        p = Product(
            id=product_id,
            producer_id=producer_id,
            name=f"Chè {product_id}",
            group=ProductGroup.beverage,
            price_vnd=250000,
            created_at=NOW,
        )
        self.uow.products.items[p.id] = p
        return p

    def evaluation(self, evaluation_id: str, product_id: str, total: float, level: str = "province") -> Evaluation:
        """An evaluation of ``total`` points (the stars follow from it)."""
        e = Evaluation(
            id=evaluation_id,
            product_id=product_id,
            level=level,
            criteria_version="QD148-2023",
            scores={"A": total * 0.4, "B": total * 0.25, "C": total * 0.35},
            total=total,
            stars=stars_for(total),
            evaluated_on=date(2026, 10, 1),
            recorded_at=NOW,
            recorded_by="canbo",
        )
        self.uow.evaluations.items[e.id] = e
        return e


# Fixtures of the test modules that load this one (``pytest_plugins``).
@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def seed(uow: FakeUnitOfWork) -> Seed:
    return Seed(uow)
