"""marketplace_sync's copies of registry aggregates (event-carried state, newest version wins): products with
their current certificate, and producers as sellers (public name, province)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ocop_marketplace_sync.app.ports import ProductSummary
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import CertificateSnapshot, ProducerSnapshot, ProductSnapshot
from ocop_shared.projection import upsert_if_newer
from ocop_shared.repository import MongoRepository

SUMMARY_LIMIT = 2000


class ProductCopyRepository(MongoRepository):
    collection_name = "products"

    async def apply(
        self, product: ProductSnapshot, version: int, certificate: CertificateSnapshot | None = None
    ) -> bool:
        fields = product.model_dump(mode="json")
        if certificate is not None:
            fields["certificate"] = certificate.model_dump(mode="json")
        # merge: a product update keeps the certificate the last certificate event set
        return await upsert_if_newer(self.collection, product.product_id, fields, version, self.session, merge=True)

    async def certificate_of(self, product_id: str) -> CertificateSnapshot | None:
        doc = await self.collection.find_one({"_id": product_id}, projection={"certificate": 1}, session=self.session)
        certificate = (doc or {}).get("certificate")
        return CertificateSnapshot.model_validate(certificate) if certificate else None

    async def producer_of(self, product_id: str) -> str | None:
        doc = await self.collection.find_one({"_id": product_id}, projection={"producer_id": 1}, session=self.session)
        return (doc or {}).get("producer_id")

    async def ids_of_producers(self, producer_ids: Collection[str]) -> set[str]:
        wanted = set(producer_ids)
        if len(wanted) == 1:  # a producer: its own products
            query = {"producer_id": next(iter(wanted))}
            return {d["_id"] async for d in self.collection.find(query, projection={"_id": 1}, session=self.session)}
        # the producers of some provinces can be thousands: one scan with a projection, filtered here
        return {
            d["_id"]
            async for d in self.collection.find({}, projection={"producer_id": 1}, session=self.session)
            if d.get("producer_id") in wanted
        }

    async def summaries(self, *, producer_id: str | None, product_id: str | None) -> list[ProductSummary]:
        query: dict[str, Any] = {"producer_id": producer_id} if producer_id else {}
        if product_id:
            query["_id"] = product_id
        cursor = self.collection.find(
            query, projection={"name": 1, "producer_id": 1, "producer_public_name": 1}, session=self.session
        ).sort("name", 1)
        return [
            ProductSummary(d["_id"], d.get("name", ""), d.get("producer_id"), d.get("producer_public_name"))
            for d in await cursor.to_list(SUMMARY_LIMIT)
        ]


class ProducerCopyRepository(MongoRepository):
    collection_name = "producers"

    async def apply(self, producer: ProducerSnapshot, version: int) -> bool:
        fields = {
            "seller_name": producer.public_name,
            "province": producer.province.name,
            "province_code": producer.province.code,
            "updated_at": utcnow(),
        }
        return await upsert_if_newer(self.collection, producer.producer_id, fields, version, self.session)

    async def seller_record(self, producer_id: str) -> dict[str, Any] | None:
        doc = await self.collection.find_one({"_id": producer_id}, session=self.session)
        if doc is None:
            return None
        doc["id"] = doc.pop("_id")
        return doc

    async def province_of(self, producer_id: str) -> str | None:
        doc = await self.collection.find_one(
            {"_id": producer_id}, projection={"province_code": 1}, session=self.session
        )
        return (doc or {}).get("province_code")

    async def in_provinces(self, provinces: Collection[str]) -> set[str]:
        wanted = set(provinces)
        return {
            d["_id"]
            async for d in self.collection.find({}, projection={"province_code": 1}, session=self.session)
            if d.get("province_code") in wanted
        }
