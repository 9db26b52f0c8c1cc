"""Mongo repositories of the registry (they work inside a unit of work's session when given one)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.producer import Contact, Producer, ProducerKind
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import Evaluation
from ocop_shared.errors import Conflict

COLLECTIONS = ["producers", "products", "evaluations", "certificates", "traced_products", "users", "listing_status"]


async def ensure_indexes(db: AsyncDatabase) -> None:
    # Single-field indexes only (the embedded server does not use compound ones).
    await db.producers.create_index("tax_code", unique=True)
    await db.producers.create_index("province.code")
    await db.products.create_index("natural_key", unique=True)
    await db.products.create_index("producer_id")
    await db.evaluations.create_index("product_id")
    await db.certificates.create_index("product_id")
    await db.listing_status.create_index("product_id")
    await db.certificates.create_index("status")
    await db.certificates.create_index("valid_until")


def producer_doc(p: Producer) -> dict:
    doc = asdict(p)
    doc["_id"] = doc.pop("id")
    doc["kind"] = p.kind.value
    return doc


def _producer_from(doc: dict) -> Producer:
    doc = dict(doc)
    contact = Contact(**(doc.pop("contact", None) or {}))
    return Producer(id=doc.pop("_id"), kind=ProducerKind(doc.pop("kind")), contact=contact, **doc)


class ProducerRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self.collection = db.producers
        self.session = session

    async def add(self, producer: Producer) -> None:
        try:
            await self.collection.insert_one(producer_doc(producer), session=self.session)
        except DuplicateKeyError as exc:
            raise Conflict("duplicate_tax_code", f"Đã có chủ thể với mã số thuế {producer.tax_code}") from exc

    async def get(self, producer_id: str) -> Producer | None:
        doc = await self.collection.find_one({"_id": producer_id}, session=self.session)
        return _producer_from(doc) if doc else None

    async def by_tax_codes(self, tax_codes: list[str]) -> dict[str, Producer]:
        docs = await self.collection.find({"tax_code": {"$in": tax_codes}}, session=self.session).to_list()
        return {d["tax_code"]: _producer_from(d) for d in docs}

    async def many(self, ids: list[str]) -> dict[str, Producer]:
        docs = await self.collection.find({"_id": {"$in": ids}}, session=self.session).to_list()
        return {d["_id"]: _producer_from(d) for d in docs}

    async def list(self, *, province_codes: tuple[str, ...] = (), limit: int = 100, skip: int = 0) -> list[Producer]:
        query = {"province.code": {"$in": list(province_codes)}} if province_codes else {}
        docs = await self.collection.find(query, session=self.session).sort("_id", 1).skip(skip).limit(limit).to_list()
        return [_producer_from(d) for d in docs]


T = TypeVar("T", bound=BaseModel)


class ModelRepository(Generic[T]):
    """Stores a pydantic entity as its JSON form (dates as ISO strings, which sort correctly)."""

    model: type[T]
    collection_name: str
    duplicate: tuple[str, str] = ("duplicate", "Bản ghi đã tồn tại")

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self.collection = db[self.collection_name]
        self.session = session

    def to_doc(self, entity: T) -> dict[str, Any]:
        doc = entity.model_dump(mode="json")
        doc["_id"] = doc.pop("id")
        return doc

    def from_doc(self, doc: dict[str, Any]) -> T:
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        return self.model.model_validate(doc)

    async def add(self, entity: T) -> None:
        await self.add_many([entity])

    async def add_many(self, entities: list[T]) -> None:
        if not entities:
            return
        try:
            await self.collection.insert_many([self.to_doc(e) for e in entities], session=self.session)
        except DuplicateKeyError as exc:
            raise Conflict(*self.duplicate) from exc
        except BulkWriteError as exc:  # what insert_many raises, also for a duplicate key
            if all(e.get("code") == 11000 for e in exc.details.get("writeErrors", [])):
                raise Conflict(*self.duplicate) from exc
            raise

    async def get(self, entity_id: str) -> T | None:
        doc = await self.collection.find_one({"_id": entity_id}, session=self.session)
        return self.from_doc(doc) if doc else None

    async def save(self, entity: T) -> None:
        await self.collection.replace_one({"_id": entity.id}, self.to_doc(entity), session=self.session)

    async def find(self, query: dict[str, Any], *, sort: str = "_id", limit: int = 0, skip: int = 0) -> list[T]:
        cursor = self.collection.find(query, session=self.session).sort(sort, 1).skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [self.from_doc(d) for d in await cursor.to_list()]


class ProductRepository(ModelRepository[Product]):
    model = Product
    collection_name = "products"
    duplicate = ("duplicate_product", "Chủ thể đã có sản phẩm cùng tên")

    def to_doc(self, entity: Product) -> dict[str, Any]:
        doc = super().to_doc(entity)
        doc["natural_key"] = entity.natural_key
        return doc

    def from_doc(self, doc: dict[str, Any]) -> Product:
        doc = dict(doc)
        doc.pop("natural_key", None)
        return super().from_doc(doc)

    async def by_keys(self, keys: list[str]) -> dict[str, Product]:
        docs = await self.collection.find({"natural_key": {"$in": keys}}, session=self.session).to_list()
        return {d["natural_key"]: self.from_doc(d) for d in docs}


class EvaluationRepository(ModelRepository[Evaluation]):
    model = Evaluation
    collection_name = "evaluations"


class CertificateRepository(ModelRepository[Certificate]):
    model = Certificate
    collection_name = "certificates"
