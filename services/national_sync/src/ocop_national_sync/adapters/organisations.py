"""The ``producers`` collection (the portal's organisations): national_sync's copy of the registry's producers
(newest version wins), with the portal's id of each (idToChucHoSo) and whether the portal activated it."""

from __future__ import annotations

from collections.abc import Collection

from ocop_national_sync.domain.record import Organisation
from ocop_shared.events.models import ProducerSnapshot
from ocop_shared.projection import upsert_if_newer
from ocop_shared.repository import GatedRepository


class OrganisationRepository(GatedRepository):
    collection_name = "producers"  # copies of the registry's producers, as in the other services

    async def apply(self, producer: ProducerSnapshot, version: int) -> bool:
        fields = {
            "name": producer.name,
            "public_name": producer.public_name,
            "kind": producer.kind,
            "tax_code": producer.tax_code,
            "province": producer.province.model_dump(),
            "commune": producer.commune.model_dump() if producer.commune else None,
        }
        return await upsert_if_newer(self.collection, producer.producer_id, fields, version, self.session, merge=True)

    async def get(self, producer_id: str) -> Organisation | None:
        doc = await self.collection.find_one({"_id": producer_id}, session=self.session)
        if not doc or "name" not in doc:
            return None
        return Organisation.model_validate({**doc, "id": doc["_id"], "activated": doc.get("activated") == "yes"})

    async def keep_portal_id(self, producer_id: str, portal_id: str, activated: bool) -> None:
        async with self.alone():  # "yes"/"no": the embedded server reads True written by $set back as 1
            await self.collection.update_one(
                {"_id": producer_id},
                {"$set": {"portal_id": portal_id, "activated": "yes" if activated else "no"}},
                session=self.session,
            )

    async def in_provinces(self, provinces: Collection[str]) -> set[str]:
        cursor = self.collection.find(
            {"province.code": {"$in": list(provinces)}}, projection={"_id": 1}, session=self.session
        )
        return {d["_id"] async for d in cursor}
