"""Dossier pages: a producer starts a dossier (new, renewal, upgrade), fills in the registration form, files
evidence against the criteria, submits; an official returns it with a comment per item or accepts it. The
renewal notice ("cần nộp hồ sơ đánh giá lại") is on the list. Forms go through the same input models and use
cases as the API; uploads through the same reader (its body limit, its content check)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError

from ocop_registry.app import dossiers, product_views
from ocop_registry.app.commands import SearchProducts
from ocop_registry.app.dossier_commands import (
    AcceptDossier,
    AddEvidence,
    CreateDossier,
    EditForm,
    ListDossiers,
    RemoveEvidence,
    ReturnDossier,
    SubmitDossier,
)
from ocop_registry.app.dossier_inputs import DossierIn, FormFields, ReturnIn
from ocop_registry.app.policy import EVERYONE, STAFF
from ocop_registry.console.common import (
    DOSSIER_KINDS,
    DOSSIER_STATUS,
    FormAction,
    act,
    console,
    redirect,
    refusal,
    router,
)
from ocop_registry.domain.dossier import EDITABLE, UNDER_REVIEW
from ocop_registry.runtime import RegistryRuntime, RuntimeDep
from ocop_registry.web_files import evidence_response, read_upload
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, blank_to_none, form_of, require_user
from ocop_shared.errors import AppError

READERS = (*EVERYONE, "council_member")
FLASH = {
    "created": "Đã tạo hồ sơ. Hãy hoàn thiện phiếu đăng ký và nộp tài liệu minh chứng.",
    "saved": "Đã lưu phiếu đăng ký.",
    "filed": "Đã nộp tài liệu minh chứng.",
    "removed": "Đã gỡ tài liệu minh chứng.",
    "submitted": "Đã nộp hồ sơ. Cán bộ OCOP sẽ kiểm tra và phản hồi.",
    "returned": "Đã trả hồ sơ để chủ thể bổ sung.",
    "accepted": "Đã tiếp nhận hồ sơ: hồ sơ có thể đưa vào hội đồng đánh giá.",
}


@router.get("/dossiers")
async def dossiers_page(request: Request, rt: RuntimeDep, status: str = "", year: str = "") -> Response:
    principal = require_user(request, *READERS)
    return await _list_page(request, rt, principal, status=status, year=year)


async def _list_page(
    request: Request,
    rt: RegistryRuntime,
    principal: Principal,
    *,
    status: str = "",
    year: str = "",
    code: int = 200,
    error: str | None = None,
    form: dict | None = None,
) -> Response:
    statuses = (status,) if status in DOSSIER_STATUS else ()
    cycle = int(year) if year.isdigit() and 2019 <= int(year) <= 2100 else None
    found = await dossiers.list_dossiers(ListDossiers(statuses, cycle), principal, rt.uow())
    today = date.today()
    producer = principal.role == "producer"
    products = []
    notices = []
    if producer:
        mine = await product_views.search_products(SearchProducts(), principal, rt.uow())
        products = [r.product for r in mine.rows]
        notices = await dossiers.renewal_notices(principal, rt.uow(), today)
    return console.render(
        request,
        "dossiers.html",
        status=code,
        user=principal,
        title="Hồ sơ OCOP" if producer else "Hồ sơ đánh giá",
        rows=found,
        products=products,
        notices=notices,
        filters={"status": status if statuses else "", "year": str(cycle or "")},
        statuses=DOSSIER_STATUS,
        kinds=DOSSIER_KINDS,
        producer=producer,
        form=form or {},
        this_year=today.year,
        error=error,
    )


@router.post("/dossiers/new")
async def new_dossier(request: Request, rt: RuntimeDep) -> Response:
    principal = require_user(request, *EVERYONE)
    form = await form_of(request)
    try:
        body = DossierIn.model_validate(
            {
                "product_id": form.get("product_id", ""),
                "cycle_year": form.get("cycle_year") or None,
                "kind": form.get("kind") or "new",
            }
        )
        created = await dossiers.create_dossier(
            CreateDossier(body, date.today()), principal, rt.uow(), criteria=rt.criteria
        )
    except (AppError, ValidationError) as exc:
        code, message = refusal(exc)
        return await _list_page(request, rt, principal, code=code, error=message, form=form)
    return redirect(f"{PREFIX}/dossiers/{created.id}?ok=created")


async def _dossier_page(
    request: Request,
    rt: RegistryRuntime,
    principal: Principal,
    dossier_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
    form_name: str = "",
) -> Response:
    dossier = await dossiers.get_dossier(dossier_id, principal, rt.uow())
    sheet = rt.criteria.sheet(dossier.criteria_version, dossier.form.group.value)
    codes = sheet.codes()
    review = dossier.open_review or (dossier.reviews[-1] if dossier.reviews else None)
    comments: dict[str, list[str]] = {}
    for item in review.items if review else []:
        comments.setdefault(item.ref, []).append(item.comment)
    owner = principal.role == "producer"
    return console.render(
        request,
        "dossier.html",
        status=status,
        user=principal,
        title=f"Hồ sơ {dossier.form.product_name} ({dossier.cycle_year})",
        d=dossier,
        sheet=sheet,
        codes=codes,
        filed=Counter(code for e in dossier.evidence for code in e.criteria),
        review=review,
        comments=comments,
        editable=dossier.status in EDITABLE and principal.role in EVERYONE,
        reviewable=dossier.status in UNDER_REVIEW and principal.role in STAFF,
        owner=owner,
        statuses=DOSSIER_STATUS,
        kinds=DOSSIER_KINDS,
        max_mb=rt.settings.evidence_max_bytes // (1024 * 1024),
        error=error,
        flash=FLASH.get(request.query_params.get("ok", "")),
        form=form or {},
        form_name=form_name,
    )


@router.get("/dossiers/{dossier_id}")
async def dossier_page(request: Request, rt: RuntimeDep, dossier_id: str) -> Response:
    return await _dossier_page(request, rt, require_user(request, *READERS), dossier_id)


async def _act(request: Request, rt: RegistryRuntime, dossier_id: str, form_name: str, action: FormAction) -> Response:
    """A form of the dossier page: back to the page with its flash message, or the page with the refusal."""

    async def redraw(principal: Principal, status: int, message: str, form: dict[str, str]) -> Response:
        return await _dossier_page(
            request, rt, principal, dossier_id, status=status, error=message, form=form, form_name=form_name
        )

    return await act(request, EVERYONE, action, redraw, f"{PREFIX}/dossiers/{dossier_id}")


@router.post("/dossiers/{dossier_id}/form")
async def edit_form(request: Request, rt: RuntimeDep, dossier_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> str:
        fields = blank_to_none(form, ("sub_group", "business_plan", "production_capacity", "target_stars"))
        fields["business_plan"] = fields.get("business_plan") or ""
        await dossiers.edit_form(EditForm(dossier_id, FormFields.model_validate(fields)), principal, rt.uow())
        return "saved"

    return await _act(request, rt, dossier_id, "form", action)


@router.post("/dossiers/{dossier_id}/evidence")
async def add_evidence(request: Request, rt: RuntimeDep, dossier_id: str) -> Response:
    """The upload form: who may file is asked before the body is read; the body is read under its limit."""
    principal = require_user(request, *EVERYONE)
    uow = rt.uow()
    form: dict[str, str] = {}
    try:
        await dossiers.check_may_file(dossier_id, principal, uow)
        upload = await read_upload(request, rt.settings.evidence_max_bytes)
        await form_of(upload.request)  # the CSRF token, from the form just read
        form = {k: v for k, v in upload.fields.items() if k != "csrf_token"}
        cmd = AddEvidence(dossier_id, upload.data, upload.filename, upload.fields.get("title", ""), upload.criteria)
        await dossiers.add_evidence(
            cmd, principal, uow, store=rt.evidence, criteria=rt.criteria, max_bytes=rt.settings.evidence_max_bytes
        )
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return await _dossier_page(
            request, rt, principal, dossier_id, status=status, error=message, form=form, form_name="evidence"
        )
    return redirect(f"{PREFIX}/dossiers/{dossier_id}?ok=filed#minh-chung")


@router.get("/dossiers/{dossier_id}/evidence/{evidence_id}")
async def download(request: Request, rt: RuntimeDep, dossier_id: str, evidence_id: str) -> StreamingResponse:
    principal = require_user(request, *READERS)
    found = await dossiers.evidence_file(dossier_id, evidence_id, principal, rt.uow(), store=rt.evidence)
    return evidence_response(*found)


@router.post("/dossiers/{dossier_id}/evidence/{evidence_id}/remove")
async def remove_evidence(request: Request, rt: RuntimeDep, dossier_id: str, evidence_id: str) -> Response:
    async def action(principal: Principal, _form: dict[str, str]) -> str:
        cmd = RemoveEvidence(dossier_id, evidence_id)
        await dossiers.remove_evidence(cmd, principal, rt.uow(), store=rt.evidence)
        return "removed"

    return await _act(request, rt, dossier_id, "remove", action)


@router.post("/dossiers/{dossier_id}/submit")
async def submit(request: Request, rt: RuntimeDep, dossier_id: str) -> Response:
    async def action(principal: Principal, _form: dict[str, str]) -> str:
        await dossiers.submit_dossier(SubmitDossier(dossier_id), principal, rt.uow())
        return "submitted"

    return await _act(request, rt, dossier_id, "submit", action)


@router.post("/dossiers/{dossier_id}/return")
async def return_(request: Request, rt: RuntimeDep, dossier_id: str) -> Response:
    """The official's review: a general comment and one comment per item (``item_<ref>`` fields)."""

    async def action(principal: Principal, form: dict[str, str]) -> str:
        items = [
            {"ref": key.removeprefix("item_"), "comment": value.strip()}
            for key, value in form.items()
            if key.startswith("item_") and value.strip()
        ]
        if form.get("criterion_ref") and form.get("criterion_comment", "").strip():
            items.append({"ref": form["criterion_ref"], "comment": form["criterion_comment"].strip()})
        review = ReturnIn.model_validate({"comment": form.get("comment", "").strip(), "items": items})
        await dossiers.return_dossier(ReturnDossier(dossier_id, review), principal, rt.uow(), criteria=rt.criteria)
        return "returned"

    return await _act(request, rt, dossier_id, "return", action)


@router.post("/dossiers/{dossier_id}/accept")
async def accept(request: Request, rt: RuntimeDep, dossier_id: str) -> Response:
    async def action(principal: Principal, _form: dict[str, str]) -> str:
        await dossiers.accept_dossier(AcceptDossier(dossier_id), principal, rt.uow())
        return "accepted"

    return await _act(request, rt, dossier_id, "accept", action)
