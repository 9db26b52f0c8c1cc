"""Mongo repositories of dossiers, councils and members' score sheets.

No index on an array field: the embedded server answers nothing for a query that such an index serves
(``members.username`` of councils, ``evidence.file_id`` of dossiers are looked up without one).
"""

from __future__ import annotations

from typing import Any

from ocop_registry.app.ports import CouncilQuery, DossierQuery
from ocop_registry.domain.council import Council, MemberScore
from ocop_registry.domain.dossier import Dossier
from ocop_shared.repository import ModelRepository


def _in(values: Any) -> dict[str, Any]:
    return {"$in": list(values)}


class DossierRepository(ModelRepository[Dossier]):
    model = Dossier
    collection_name = "dossiers"
    duplicate = ("duplicate_dossier", "Sản phẩm đã có hồ sơ đánh giá của năm này")

    def to_doc(self, entity: Dossier) -> dict[str, Any]:
        return super().to_doc(entity) | {"natural_key": entity.natural_key}  # unique: one per product and year

    def from_doc(self, doc: dict[str, Any]) -> Dossier:
        return super().from_doc({k: v for k, v in doc.items() if k != "natural_key"})

    async def select(self, query: DossierQuery) -> list[Dossier]:
        match: dict[str, Any] = {}
        if query.ids is not None:
            match["_id"] = _in(query.ids)
        for field, value in (
            ("product_id", query.product_id),
            ("producer_id", query.producer_id),
            ("cycle_year", query.cycle_year),
        ):
            if value:
                match[field] = value
        if query.provinces:
            match["province.code"] = _in(query.provinces)
        if query.statuses:
            match["status"] = _in(query.statuses)
        found = await self.find(match)
        found.sort(key=lambda d: (-d.cycle_year, d.id))
        return found[: query.limit] if query.limit else found

    async def using_file(self, file_id: str) -> list[str]:
        cursor = self.collection.find({"evidence.file_id": file_id}, {"_id": 1}, session=self.session)
        return [d["_id"] for d in await cursor.to_list()]

    async def file_ids(self) -> set[str]:
        cursor = self.collection.find({}, {"evidence.file_id": 1}, session=self.session)
        return {e["file_id"] for d in await cursor.to_list() for e in d.get("evidence", [])}


class CouncilRepository(ModelRepository[Council]):
    model = Council
    collection_name = "councils"

    async def select(self, query: CouncilQuery) -> list[Council]:
        match: dict[str, Any] = {}
        if query.member:
            match["members.username"] = query.member
        if query.provinces:
            match["province.code"] = _in(query.provinces)
        found = await self.find(match)
        found.sort(key=lambda c: (c.meeting_on, c.id), reverse=True)
        return found[: query.limit] if query.limit else found


class MemberScoreRepository(ModelRepository[MemberScore]):
    model = MemberScore
    collection_name = "council_scores"
    duplicate = ("score_already_submitted", "Bạn đã nộp phiếu chấm cho hồ sơ này; phiếu không sửa được")

    async def of_council(self, council_id: str) -> list[MemberScore]:
        return await self.find({"council_id": council_id})
