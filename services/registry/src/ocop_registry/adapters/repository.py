"""Mongo repositories of the registry (they work inside a unit of work's session)."""

from __future__ import annotations

from dataclasses import asdict

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ocop_registry.domain.producer import Contact, Producer, ProducerKind
from ocop_shared.errors import Conflict


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db.producers.create_index("tax_code", unique=True)
    await db.producers.create_index("province.code")


def _to_doc(p: Producer) -> dict:
    doc = asdict(p)
    doc["_id"] = doc.pop("id")
    doc["kind"] = p.kind.value
    return doc


def _from_doc(doc: dict) -> Producer:
    doc = dict(doc)
    contact = Contact(**(doc.pop("contact", None) or {}))
    return Producer(id=doc.pop("_id"), kind=ProducerKind(doc.pop("kind")), contact=contact, **doc)


class ProducerRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self.collection = db.producers
        self.session = session

    async def add(self, producer: Producer) -> None:
        try:
            await self.collection.insert_one(_to_doc(producer), session=self.session)
        except DuplicateKeyError as exc:
            raise Conflict("duplicate_tax_code", f"Đã có chủ thể với mã số thuế {producer.tax_code}") from exc

    async def get(self, producer_id: str) -> Producer | None:
        doc = await self.collection.find_one({"_id": producer_id}, session=self.session)
        return _from_doc(doc) if doc else None

    async def by_tax_code(self, tax_code: str) -> Producer | None:
        doc = await self.collection.find_one({"tax_code": tax_code}, session=self.session)
        return _from_doc(doc) if doc else None

    async def list(self, *, province_codes: tuple[str, ...] = (), limit: int = 100, skip: int = 0) -> list[Producer]:
        query = {"province.code": {"$in": list(province_codes)}} if province_codes else {}
        docs = await self.collection.find(query, session=self.session).sort("_id", 1).skip(skip).limit(limit).to_list()
        return [_from_doc(d) for d in docs]
