"""Use cases: record a council's evaluation of a product (đánh giá, phân hạng) and list a product's evaluations."""

from __future__ import annotations

from bson import ObjectId

from ocop_registry.app.commands import RecordEvaluation
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.app.products import product_for
from ocop_registry.domain.certification import Councils
from ocop_registry.domain.scoring import Evaluation, check_scores, stars_for
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow


async def record_evaluation(
    cmd: RecordEvaluation, principal: Principal, uow: UnitOfWork, *, councils: Councils
) -> Evaluation:
    """Stars are computed from the scores; the council's level must be one the configuration knows."""
    given = cmd.evaluation
    async with uow.acting(principal, "evaluation.record", product=cmd.product_id):
        await product_for(principal, uow, cmd.product_id, write=True)
        councils.require_level(given.level)
        total = check_scores(given.criteria_version, given.scores, given.detail)
        evaluation = Evaluation(
            **given.model_dump(),  # level, criteria version, scores, detail and date as the council gave them
            id=str(ObjectId()),
            product_id=cmd.product_id,
            total=total,
            stars=stars_for(total),
            recorded_at=utcnow(),
            recorded_by=principal.subject,
        )
        await uow.evaluations.add(evaluation)
        await uow.commit()
    return evaluation


async def list_evaluations(product_id: str, principal: Principal, uow: UnitOfWork) -> list[Evaluation]:
    await product_for(principal, uow, product_id, write=False)
    return await uow.evaluations.of_product(product_id)
