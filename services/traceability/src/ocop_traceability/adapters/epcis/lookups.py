"""What captured identifiers designate in our records: products by GTIN, batches by lot, places by code or
GLN (read from traceability's own collections; small lookups, cached per capture job by the caller)."""

from __future__ import annotations

from ocop_traceability.adapters.base import Repository
from ocop_traceability.domain.batches import Batch
from ocop_traceability.domain.epcis.ids import gtin14


class EpcisLookups(Repository):
    collection_name = "products"

    async def gtin_owners(self) -> dict[str, list[tuple[str, str]]]:
        """GTIN-14 → (product id, producer id) of the products with that GTIN (one, unless the registry holds
        the same GTIN twice)."""
        found: dict[str, list[tuple[str, str]]] = {}
        async for p in self.collection.find({}, projection={"gtin": 1, "producer_id": 1}, session=self.session):
            if p.get("gtin"):
                found.setdefault(gtin14(p["gtin"]), []).append((p["_id"], p.get("producer_id", "")))
        return found

    async def product_owner(self, product_id: str) -> str | None:
        doc = await self.collection.find_one({"_id": product_id}, projection={"producer_id": 1}, session=self.session)
        return doc.get("producer_id") if doc else None

    async def batch_of_lot(self, product_id: str, lot: str) -> Batch | None:
        doc = await self.collection.database.batches.find_one({"lot_key": f"{product_id}:{lot}"}, session=self.session)
        if not doc:
            return None
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        doc.pop("lot_key", None)
        return Batch.model_validate(doc)

    async def place_owner(self, kind: str, code: str) -> tuple[str, str] | None:
        """(producer id, name) of a growing area or packing house."""
        collection = self.collection.database["growing_areas" if kind == "growing-area" else "packing_houses"]
        doc = await collection.find_one({"_id": code}, projection={"producer_id": 1, "name": 1}, session=self.session)
        return (doc.get("producer_id", ""), doc.get("name", code)) if doc else None

    async def gln_owner(self, gln: str) -> tuple[str, str] | None:
        for name in ("growing_areas", "packing_houses"):
            doc = await self.collection.database[name].find_one(
                {"gln": gln}, projection={"producer_id": 1, "name": 1}, session=self.session
            )
            if doc:
                return doc.get("producer_id", ""), doc.get("name", gln)
        return None

    async def certificate(self, certificate_id: str) -> tuple[str, dict] | None:
        """(product name, certificate) of the product whose certificate copy has this id."""
        cursor = self.collection.find({}, projection={"name": 1, "certificate": 1}, session=self.session)
        async for p in cursor:
            cert = p.get("certificate") or {}
            if cert.get("certificate_id") == certificate_id:
                return p.get("name", ""), cert
        return None
