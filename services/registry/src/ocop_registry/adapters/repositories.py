"""Mongo repositories of the registry's own records (producers, products, evaluations, certificates, users).

Entities are stored as their JSON form (dates as ISO strings, which sort and compare correctly) by
``ocop_shared.repository.ModelRepository``; every write to a unique index goes through ``unique`` (409).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ocop_registry.app.ports import CertificateQuery, ProductQuery
from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import Evaluation
from ocop_registry.domain.throttle import Attempts
from ocop_registry.domain.user import User
from ocop_shared.repository import ModelRepository, MongoRepository, unique


def _in(values: Iterable[str]) -> dict[str, Any]:
    return {"$in": list(values)}


class ProducerRepository(ModelRepository[Producer]):
    model = Producer
    collection_name = "producers"
    duplicate = ("duplicate_tax_code", "Đã có chủ thể với mã số thuế này")

    async def add(self, producer: Producer) -> None:
        doc = self.to_doc(producer)
        await self._writing(doc, insert=True)
        with unique("duplicate_tax_code", f"Đã có chủ thể với mã số thuế {producer.tax_code}"):
            await self.collection.insert_one(doc, session=self.session)
        self._track(producer)

    async def many(self, ids: Iterable[str]) -> dict[str, Producer]:
        return {p.id: p for p in await self.find({"_id": _in(ids)})}

    async def by_tax_codes(self, tax_codes: list[str]) -> dict[str, Producer]:
        return {p.tax_code: p for p in await self.find({"tax_code": _in(tax_codes)})}

    async def in_provinces(self, provinces: tuple[str, ...], *, limit: int, skip: int = 0) -> list[Producer]:
        return await self.find({"province.code": _in(provinces)} if provinces else {}, limit=limit, skip=skip)

    async def unplaced(self, *, after: str, limit: int) -> list[Producer]:
        ids = await self.unplaced_ids(after=after, limit=limit)
        return await self.find({"_id": _in(ids)}) if ids else []


class ProductRepository(ModelRepository[Product]):
    model = Product
    collection_name = "products"
    duplicate = ("duplicate_product", "Chủ thể đã có sản phẩm cùng tên")

    def to_doc(self, entity: Product) -> dict[str, Any]:
        return super().to_doc(entity) | {"natural_key": entity.natural_key}  # unique: one name per producer

    def from_doc(self, doc: dict[str, Any]) -> Product:
        return super().from_doc({k: v for k, v in doc.items() if k != "natural_key"})

    async def by_keys(self, keys: list[str]) -> dict[str, Product]:
        return {p.natural_key: p for p in await self.find({"natural_key": _in(keys)})}

    async def select(self, query: ProductQuery) -> list[Product]:
        match: dict[str, Any] = {}
        if query.ids is not None:
            match["_id"] = _in(query.ids)
        if query.producer_id:
            match["producer_id"] = query.producer_id
        if query.group:
            match["group"] = query.group
        return await self.find(match, limit=query.limit, skip=query.skip)


class EvaluationRepository(ModelRepository[Evaluation]):
    model = Evaluation
    collection_name = "evaluations"

    async def of_product(self, product_id: str, *, sort: str = "_id") -> list[Evaluation]:
        return await self.find({"product_id": product_id}, sort=sort)


class CertificateRepository(ModelRepository[Certificate]):
    model = Certificate
    collection_name = "certificates"

    async def select(self, query: CertificateQuery) -> list[Certificate]:
        return await self.find(certificate_match(query), sort=query.sort, limit=query.limit, skip=query.skip)

    async def relocate(self, producer_id: str, province: dict, commune: dict | None) -> int:
        result = await self.collection.update_many(
            {"producer_id": producer_id}, {"$set": {"province": province, "commune": commune}}, session=self.session
        )
        return result.modified_count


def certificate_match(q: CertificateQuery) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if q.ids is not None:
        match["_id"] = _in(q.ids)
    for field, value in (
        ("status", q.status),
        ("product_id", q.product_id),
        ("producer_id", q.producer_id),
        ("group", q.group),
        ("stars", q.stars),
        ("province.code", q.province_code),
        ("province.name", q.province_name),
    ):
        if value:
            match[field] = value
    if q.provinces:
        match["province.code"] = _in(q.provinces)
    valid_until = {op: day for op, day in (("$lt", q.valid_until_before), ("$lte", q.valid_until_through)) if day}
    if valid_until:
        match["valid_until"] = valid_until
    return match


class UserRepository(ModelRepository[User]):
    model = User
    collection_name = "users"

    async def add(self, user: User) -> None:
        doc = self.to_doc(user)
        await self._writing(doc, insert=True)
        with unique("duplicate_username", f"Tên đăng nhập '{user.id}' đã có"):
            await self.collection.insert_one(doc, session=self.session)

    async def put(self, user: User) -> None:
        doc = self.to_doc(user)
        await self._writing(doc)
        await self.collection.replace_one({"_id": user.id}, doc, upsert=True, session=self.session)

    async def all(self) -> list[User]:
        return await self.find({})


class LoginAttemptRepository(MongoRepository):
    """Recent failed sign-ins per account and per network (``user:<name>``, ``net:<prefix>``): shared by every
    replica and kept across restarts. Times are epoch seconds (numbers: the embedded server turns datetimes
    written with ``$set`` into text)."""

    collection_name = "login_attempts"

    async def of(self, keys: list[str]) -> dict[str, Attempts]:
        found = {
            d["_id"]: Attempts(
                d["_id"],
                int(d.get("failures") or 0),
                float(d.get("last_failure") or 0),
                float(d.get("locked_until") or 0),
            )
            async for d in self.collection.find({"_id": {"$in": keys}}, session=self.session)
        }
        return {k: found.get(k, Attempts(k)) for k in keys}

    async def put(self, attempts: Attempts) -> None:
        doc = {
            "_id": attempts.key,
            "failures": attempts.failures,
            "last_failure": attempts.last_failure,
            "locked_until": attempts.locked_until,
        }
        await self._writing(doc)
        await self.collection.replace_one({"_id": attempts.key}, doc, upsert=True, session=self.session)

    async def clear(self, key: str) -> None:
        await self.collection.delete_one({"_id": key}, session=self.session)
