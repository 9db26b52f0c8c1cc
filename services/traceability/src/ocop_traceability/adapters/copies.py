"""Traceability's copies of producers and products, written only by registry events (newest version wins,
``ocop_shared.projection.upsert_if_newer``)."""

from __future__ import annotations

from ocop_shared.auth import Scope
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import CertificateSnapshot, ProducerSnapshot, ProductSnapshot
from ocop_shared.projection import upsert_if_newer
from ocop_traceability.adapters.base import Records
from ocop_traceability.domain.copies import ProducerCopy, ProductCopy
from ocop_traceability.domain.digital_link import gtin_forms


class ProducerCopies(Records[ProducerCopy]):
    collection_name = "producers"
    model = ProducerCopy
    native = ("updated_at",)

    async def apply(self, producer: ProducerSnapshot, version: int) -> bool:
        """Scan pages show the public name, commune and province; nothing private is ever stored here."""
        fields = {
            "public_name": producer.public_name,
            "kind": producer.kind,
            "province": producer.province.model_dump(),
            "commune": producer.commune.model_dump() if producer.commune else None,
            "updated_at": utcnow(),
        }
        return await upsert_if_newer(self.collection, producer.producer_id, fields, version, self.session)

    async def visible(self, scope: Scope) -> list[ProducerCopy]:
        if scope.producer_id is not None:
            return await self.fetch({"_id": scope.producer_id})
        producers = await self.fetch({})
        return [p for p in producers if not scope.provinces or p.province_code in scope.provinces]


class ProductCopies(Records[ProductCopy]):
    collection_name = "products"
    model = ProductCopy

    async def apply(
        self, product: ProductSnapshot, version: int, certificate: CertificateSnapshot | None = None
    ) -> bool:
        """Only the given fields are set: a product event keeps the certificate a certificate event set."""
        fields = {
            "producer_id": product.producer_id,
            "name": product.name,
            "group": product.group,
            "gtin": product.gtin,
            "images": product.images,
            "unit": product.unit,
            "description": product.description,
            "producer_public_name": product.producer_public_name,
            "province": product.province.model_dump(),
        }
        if certificate is not None:
            fields["certificate"] = certificate.model_dump(mode="json")
        return await upsert_if_newer(self.collection, product.product_id, fields, version, self.session, merge=True)

    async def visible(self, scope: Scope) -> dict[str, ProductCopy]:
        """The products in ``scope`` by id, by name."""
        return {p.id: p for p in await self.fetch(await self.scope_filter(scope), sort="name", limit=2000)}

    async def by_ids(self, ids: list[str]) -> dict[str, ProductCopy]:
        return {p.id: p for p in await self.fetch({"_id": {"$in": ids}}, limit=2000)}

    async def by_gtin(self, gtin14: str) -> list[ProductCopy]:
        """The products with this GTIN, however it was written (8, 12, 13 or 14 digits). One, normally: the
        registry does not refuse a GTIN another product has, so the resolver picks among them."""
        return await self.fetch({"gtin": {"$in": gtin_forms(gtin14)}}, sort="_id", limit=20)
