"""Use case: record a council's evaluation of a product (đánh giá, phân hạng)."""

from __future__ import annotations

from datetime import date

from bson import ObjectId

from ocop_registry.adapters.repository import EvaluationRepository, ProductRepository
from ocop_registry.domain.scoring import CriterionScore, Evaluation, InvalidScores, check_scores, stars_for
from ocop_shared.errors import NotFound
from ocop_shared.events.envelope import utcnow
from ocop_shared.uow import MongoUnitOfWork


async def record_evaluation(product_id: str, *, level: str, criteria_version: str, scores: dict[str, float],
                            evaluated_on: date, recorded_by: str, council_levels: dict[str, int],
                            detail: dict[str, list[CriterionScore]] | None, uow: MongoUnitOfWork) -> Evaluation:
    if level not in council_levels:
        raise InvalidScores("unknown_council_level",
                            f"Cấp hội đồng '{level}' không hợp lệ (dùng {', '.join(council_levels)})")
    total = check_scores(criteria_version, scores, detail)
    evaluation = Evaluation(
        id=str(ObjectId()), product_id=product_id, level=level, criteria_version=criteria_version, scores=scores,
        detail=detail, total=total, stars=stars_for(total), evaluated_on=evaluated_on, recorded_at=utcnow(),
        recorded_by=recorded_by)
    async with uow:
        if await ProductRepository(uow.db, uow.session).get(product_id) is None:
            raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
        await EvaluationRepository(uow.db, uow.session).add(evaluation)
        await uow.commit()
    return evaluation
