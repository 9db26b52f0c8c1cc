"""Council routes (``/api/v1/councils``): form a council, add dossiers, score, declare a conflict, close, record
the decision, download the decision's appendix."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from ocop_registry.api.deps import RuntimeDep
from ocop_registry.api.dossier_schemas import CouncilOut, ScoreOut, council_out, score_out
from ocop_registry.app import councils, decisions
from ocop_registry.app.dossier_commands import (
    AddToCouncil,
    CloseCouncil,
    CreateCouncil,
    DeclareConflict,
    RecordDecision,
    SubmitScore,
)
from ocop_registry.app.dossier_inputs import AddDossierIn, ConflictIn, CouncilDecisionIn, CouncilIn, ScoreIn
from ocop_registry.app.dossier_policy import COUNCIL_READERS
from ocop_registry.app.policy import STAFF
from ocop_registry.web_files import appendix_response
from ocop_shared.auth import Principal, require
from ocop_shared.openapi import errors

router = APIRouter(tags=["councils"])
Reader = Annotated[Principal, Depends(require(*COUNCIL_READERS))]
Manager = Annotated[Principal, Depends(require(*STAFF))]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"description": "Phụ lục of the decision (A4 PDF)", "content": {"application/pdf": {}}}
}


async def _view(council_id: str, principal: Principal, rt) -> CouncilOut:
    view = await councils.council_view(council_id, principal, rt.uow())
    return council_out(view.council, view)


@router.post("/councils", status_code=201, response_model=CouncilOut, summary="Form a council (officials)")
async def create(body: CouncilIn, rt: RuntimeDep, principal: Manager) -> CouncilOut:
    cmd = CreateCouncil(body)
    council = await councils.create_council(
        cmd, principal, rt.uow(), councils=rt.councils, min_members=rt.settings.council_min_members
    )
    return await _view(council.id, principal, rt)


@router.get("/councils", response_model=list[CouncilOut], summary="Councils of the caller's provinces, or theirs")
async def list_(rt: RuntimeDep, principal: Reader) -> list[CouncilOut]:
    return [council_out(c) for c in await councils.list_councils(principal, rt.uow())]


@router.get("/councils/{council_id}", response_model=CouncilOut)
async def get(council_id: str, rt: RuntimeDep, principal: Reader) -> CouncilOut:
    return await _view(council_id, principal, rt)


@router.post("/councils/{council_id}/dossiers", response_model=CouncilOut, summary="Add an accepted dossier")
async def add_dossier(council_id: str, body: AddDossierIn, rt: RuntimeDep, principal: Manager) -> CouncilOut:
    await councils.add_to_council(AddToCouncil(council_id, body), principal, rt.uow())
    return await _view(council_id, principal, rt)


@router.post(
    "/councils/{council_id}/scores",
    status_code=201,
    response_model=ScoreOut,
    summary="A member's score sheet for one dossier (final; hidden from the others until the chair closes)",
)
async def score(council_id: str, body: ScoreIn, rt: RuntimeDep, principal: Reader) -> ScoreOut:
    cmd = SubmitScore(council_id, body)
    return score_out(await councils.submit_score(cmd, principal, rt.uow(), criteria=rt.criteria))


@router.post("/councils/{council_id}/conflicts", response_model=CouncilOut, summary="Declare a conflict of interest")
async def conflict(council_id: str, body: ConflictIn, rt: RuntimeDep, principal: Reader) -> CouncilOut:
    await councils.declare_conflict(DeclareConflict(council_id, body), principal, rt.uow())
    return await _view(council_id, principal, rt)


@router.post("/councils/{council_id}/close", response_model=CouncilOut, summary="End the scoring (the chair)")
async def close(council_id: str, rt: RuntimeDep, principal: Reader) -> CouncilOut:
    cmd = CloseCouncil(council_id, date.today())
    await councils.close_council(cmd, principal, rt.uow(), min_scores=rt.settings.council_min_members)
    return await _view(council_id, principal, rt)


@router.post(
    "/councils/{council_id}/decision",
    response_model=CouncilOut,
    summary="Record the People's Committee decision: certificates for the dossiers of 3★ or more",
)
async def decision(council_id: str, body: CouncilDecisionIn, rt: RuntimeDep, principal: Manager) -> CouncilOut:
    await decisions.record_decision(RecordDecision(council_id, body), principal, rt.uow, councils=rt.councils)
    return await _view(council_id, principal, rt)


@router.get("/councils/{council_id}/appendix.pdf", response_class=Response, responses=PDF | errors(409))
async def appendix(council_id: str, rt: RuntimeDep, principal: Reader) -> Response:
    return appendix_response(council_id, await decisions.appendix(council_id, principal, rt.uow()))
