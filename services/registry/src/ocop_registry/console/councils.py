"""Council pages: an official forms a council (level, province, meeting date, chair and members, the accepted
dossiers); each member scores each dossier on the criteria sheet on their own (the others' sheets stay hidden
until the chair closes); the chair closes; an official records the People's Committee decision, which issues
the certificates; the decision's appendix as a PDF. Same input models and use cases as the API."""

from __future__ import annotations

import re
from datetime import date

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from ocop_registry.app import councils, decisions, dossiers
from ocop_registry.app.dossier_commands import (
    AddToCouncil,
    CloseCouncil,
    CreateCouncil,
    DeclareConflict,
    ListDossiers,
    RecordDecision,
    SubmitScore,
)
from ocop_registry.app.dossier_inputs import AddDossierIn, ConflictIn, CouncilDecisionIn, CouncilIn, ScoreIn
from ocop_registry.app.dossier_policy import COUNCIL_READERS
from ocop_registry.app.policy import STAFF
from ocop_registry.console.common import (
    COUNCIL_STATUS,
    DOSSIER_STATUS,
    LEVELS,
    MEMBER_ROLE_NAMES,
    FormAction,
    act,
    console,
    redirect,
    refusal,
    router,
)
from ocop_registry.runtime import RegistryRuntime, RuntimeDep
from ocop_registry.web_files import appendix_response
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, form_of, require_user
from ocop_shared.errors import AppError, NotFound

FLASH = {
    "created": "Đã thành lập hội đồng.",
    "added": "Đã đưa hồ sơ vào hội đồng.",
    "scored": "Đã nộp phiếu chấm. Phiếu không sửa được; điểm của bạn chỉ hiện cho người khác khi chủ tịch kết thúc.",
    "recused": "Đã ghi nhận việc bạn không chấm hồ sơ này (xung đột lợi ích).",
    "closed": "Đã kết thúc phiên chấm điểm: điểm của mỗi hồ sơ là trung bình các phiếu.",
    "decided": "Đã ghi quyết định công nhận và cấp giấy chứng nhận cho các sản phẩm từ 3 sao.",
}
_USERNAMES = re.compile(r"[\s,;]+")


async def _unassigned(principal: Principal, rt: RegistryRuntime) -> list:
    """Accepted dossiers not yet in a council (what an official may put before one)."""
    if principal.role not in STAFF:
        return []
    found = await dossiers.list_dossiers(ListDossiers(("accepted",)), principal, rt.uow())
    return [d for d in found if not d.council_id]


async def _list_page(
    request: Request,
    rt: RegistryRuntime,
    principal: Principal,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
) -> Response:
    found = await councils.list_councils(principal, rt.uow())
    return console.render(
        request,
        "councils.html",
        status=status,
        user=principal,
        title="Hội đồng đánh giá",
        rows=found,
        staff=principal.role in STAFF,
        candidates=await _unassigned(principal, rt),
        levels={k: LEVELS.get(k, k) for k in rt.councils.max_stars},
        council_max=rt.councils.max_stars,
        council_status=COUNCIL_STATUS,
        provinces=principal.scope.provinces or (),
        min_members=rt.settings.council_min_members,
        today=date.today().isoformat(),
        form=form or {},
        error=error,
        flash=FLASH.get(request.query_params.get("ok", "")),
    )


@router.get("/councils")
async def councils_page(request: Request, rt: RuntimeDep) -> Response:
    return await _list_page(request, rt, require_user(request, *COUNCIL_READERS))


def council_input(form: dict[str, str], dossier_ids: list[str]) -> CouncilIn:
    """The form's fields as the API's body: the chair first, then one member per username listed."""
    chair = form.get("chair", "").strip()
    others = [u for u in _USERNAMES.split(form.get("members", "")) if u and u != chair]
    members = ([{"username": chair, "role": "chair"}] if chair else []) + [
        {"username": u, "role": "member"} for u in dict.fromkeys(others)
    ]
    return CouncilIn.model_validate(
        {
            "name": form.get("name", "").strip(),
            "level": form.get("level", ""),
            "province": form.get("province", "").strip() or None,
            "meeting_on": form.get("meeting_on") or None,
            "members": members,
            "dossier_ids": dossier_ids,
        }
    )


@router.post("/councils/new")
async def new_council(request: Request, rt: RuntimeDep) -> Response:
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    chosen = [v for k, v in (await request.form()).multi_items() if k == "dossier_ids" and isinstance(v, str)]
    try:
        body = council_input(form, chosen)
        created = await councils.create_council(
            CreateCouncil(body), principal, rt.uow(), councils=rt.councils, min_members=rt.settings.council_min_members
        )
    except (AppError, ValidationError) as exc:
        code, message = refusal(exc)
        return await _list_page(request, rt, principal, status=code, error=message, form=form)
    return redirect(f"{PREFIX}/councils/{created.id}?ok=created")


async def _council_page(
    request: Request,
    rt: RegistryRuntime,
    principal: Principal,
    council_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
    form_name: str = "",
) -> Response:
    view = await councils.council_view(council_id, principal, rt.uow())
    return console.render(
        request,
        "council.html",
        status=status,
        user=principal,
        title=view.council.name,
        view=view,
        c=view.council,
        levels=LEVELS,
        council_status=COUNCIL_STATUS,
        dossier_status=DOSSIER_STATUS,
        member_roles=MEMBER_ROLE_NAMES,
        candidates=await _unassigned(principal, rt) if view.may_manage and view.open else [],
        today=date.today().isoformat(),
        form=form or {},
        form_name=form_name,
        error=error,
        flash=FLASH.get(request.query_params.get("ok", "")),
    )


@router.get("/councils/{council_id}")
async def council_page(request: Request, rt: RuntimeDep, council_id: str) -> Response:
    return await _council_page(request, rt, require_user(request, *COUNCIL_READERS), council_id)


async def _act(request: Request, rt: RegistryRuntime, council_id: str, form_name: str, action: FormAction) -> Response:
    async def redraw(principal: Principal, status: int, message: str, form: dict[str, str]) -> Response:
        return await _council_page(
            request, rt, principal, council_id, status=status, error=message, form=form, form_name=form_name
        )

    return await act(request, COUNCIL_READERS, action, redraw, f"{PREFIX}/councils/{council_id}")


@router.post("/councils/{council_id}/dossiers")
async def add_dossier(request: Request, rt: RuntimeDep, council_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> str:
        body = AddDossierIn.model_validate({"dossier_id": form.get("dossier_id", "")})
        await councils.add_to_council(AddToCouncil(council_id, body), principal, rt.uow())
        return "added"

    return await _act(request, rt, council_id, "add", action)


@router.post("/councils/{council_id}/conflicts")
async def conflict(request: Request, rt: RuntimeDep, council_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> str:
        body = ConflictIn.model_validate({"dossier_id": form.get("dossier_id", ""), "reason": form.get("reason", "")})
        await councils.declare_conflict(DeclareConflict(council_id, body), principal, rt.uow())
        return "recused"

    return await _act(request, rt, council_id, "conflict", action)


@router.post("/councils/{council_id}/close")
async def close(request: Request, rt: RuntimeDep, council_id: str) -> Response:
    async def action(principal: Principal, _form: dict[str, str]) -> str:
        cmd = CloseCouncil(council_id, date.today())
        await councils.close_council(cmd, principal, rt.uow(), min_scores=rt.settings.council_min_members)
        return "closed"

    return await _act(request, rt, council_id, "close", action)


@router.post("/councils/{council_id}/decision")
async def decision(request: Request, rt: RuntimeDep, council_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> str:
        body = CouncilDecisionIn.model_validate(
            {"decision_no": form.get("decision_no", "").strip(), "issued_on": form.get("issued_on") or None}
        )
        await decisions.record_decision(RecordDecision(council_id, body), principal, rt.uow, councils=rt.councils)
        return "decided"

    return await _act(request, rt, council_id, "decision", action)


@router.get("/councils/{council_id}/appendix.pdf")
async def appendix(request: Request, rt: RuntimeDep, council_id: str) -> Response:
    principal = require_user(request, *COUNCIL_READERS)
    return appendix_response(council_id, await decisions.appendix(council_id, principal, rt.uow()))


# -- the score sheet -----------------------------------------------------------------------------------


async def _score_page(
    request: Request,
    rt: RegistryRuntime,
    principal: Principal,
    council_id: str,
    dossier_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
) -> Response:
    view = await councils.council_view(council_id, principal, rt.uow())
    row = next((r for r in view.rows if r.dossier.id == dossier_id), None)
    if row is None:
        raise NotFound("not_found", "Hồ sơ không thuộc hội đồng này")
    sheet = rt.criteria.sheet(row.dossier.criteria_version, row.dossier.form.group.value)
    return console.render(
        request,
        "scoresheet.html",
        status=status,
        user=principal,
        title=f"Phiếu chấm: {row.dossier.form.product_name}",
        view=view,
        c=view.council,
        row=row,
        d=row.dossier,
        sheet=sheet,
        form=form or {},
        error=error,
    )


@router.get("/councils/{council_id}/dossiers/{dossier_id}/score")
async def score_form(request: Request, rt: RuntimeDep, council_id: str, dossier_id: str) -> Response:
    return await _score_page(request, rt, require_user(request, *COUNCIL_READERS), council_id, dossier_id)


_NUMBER = re.compile(r"^\s*[0-9]{1,3}([.,][0-9]{1,2})?\s*$")


def score_values(form: dict[str, str]) -> dict[str, float]:
    """``s_<code>`` fields (a decimal comma as people write it) → {code: points}; unreadable values refused."""
    out: dict[str, float] = {}
    for key, value in form.items():
        if not key.startswith("s_"):
            continue
        if not _NUMBER.match(value):
            raise AppError("invalid_score", f"Điểm tiêu chí {key[2:30]} chưa đúng (số, tối đa hai chữ số thập phân)")
        out[key[2:]] = float(value.replace(",", "."))
    return out


@router.post("/councils/{council_id}/dossiers/{dossier_id}/score")
async def submit_score(request: Request, rt: RuntimeDep, council_id: str, dossier_id: str) -> Response:
    principal = require_user(request, *COUNCIL_READERS)
    form = await form_of(request)
    try:
        body = ScoreIn.model_validate({"dossier_id": dossier_id, "scores": score_values(form)})
        await councils.submit_score(SubmitScore(council_id, body), principal, rt.uow(), criteria=rt.criteria)
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return await _score_page(
            request, rt, principal, council_id, dossier_id, status=status, error=message, form=form
        )
    return redirect(f"{PREFIX}/councils/{council_id}?ok=scored")
