"""Product pages: the list (a producer's own, or the officials' search), registering a product, the product
page with its evaluations and certificates, and the staff actions on it (evaluate, issue, renew, upgrade,
revoke). A form is validated with the same input models as the API and handed to the same use cases."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import date

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from ocop_registry.app import certificates, evaluations, product_views, products
from ocop_registry.app.commands import (
    IssueCertificate,
    RecordEvaluation,
    RegisterProduct,
    RenewCertificate,
    RevokeCertificate,
    SearchProducts,
    UpgradeCertificate,
)
from ocop_registry.app.inputs import DecisionIn, EvaluationIn, ProductIn, ReplaceIn, RevokeIn
from ocop_registry.app.policy import EVERYONE, STAFF
from ocop_registry.app.producers import producer_options
from ocop_registry.console.common import CRITERIA_NAMES, LEVELS, PARTS, console, redirect, refusal, router, validity
from ocop_registry.domain.scoring import CRITERIA, STAR_THRESHOLDS
from ocop_registry.runtime import RegistryRuntime, RuntimeDep
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, blank_to_none, form_of, require_user
from ocop_shared.errors import AppError, NotFound

FLASH = {
    "created": "Đã đăng ký sản phẩm.",
    "evaluated": "Đã ghi kết quả đánh giá.",
    "issued": "Đã cấp giấy chứng nhận OCOP.",
    "renewed": "Đã gia hạn giấy chứng nhận.",
    "upgraded": "Đã nâng hạng giấy chứng nhận.",
    "revoked": "Đã thu hồi giấy chứng nhận.",
}


@router.get("/products")
async def products_page(
    request: Request,
    rt: RuntimeDep,
    q: str = "",
    group: str = "",
    stars: str = "",
    province: str = "",
    commune: str = "",
) -> Response:
    principal = require_user(request, *EVERYONE)  # a council member has no products: their start is /councils
    cmd = SearchProducts(q=q, group=group, stars=stars, province=province, commune=commune)
    found = await product_views.search_products(cmd, principal, rt.uow())
    today = date.today()
    rows = [
        {
            "product": r.product,
            "producer": r.producer,
            "certificate": r.certificate,
            "validity": validity(r.certificate, today),
        }
        for r in found.rows
    ]
    mine = principal.role == "producer"
    return console.render(
        request,
        "my_products.html" if mine else "products.html",
        user=principal,
        title="Sản phẩm của tôi" if mine else "Sản phẩm OCOP",
        rows=rows[:500],
        total=len(rows),
        provinces=found.provinces,
        filters=vars(cmd),
    )


@router.get("/products/new")
async def new_product_form(request: Request, rt: RuntimeDep, producer_id: str = "") -> Response:
    principal = require_user(request, *STAFF)
    return console.render(
        request,
        "product_new.html",
        user=principal,
        title="Đăng ký sản phẩm",
        producers=await producer_options(principal, rt.uow()),
        form={"producer_id": producer_id},
    )


@router.post("/products/new")
async def new_product(request: Request, rt: RuntimeDep) -> Response:
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    fields = blank_to_none(
        form, ("producer_id", "name", "group", "sub_group", "description", "unit", "price_vnd", "gtin")
    )
    fields["description"] = fields.get("description") or ""
    if fields.get("price_vnd"):  # "250.000" as people write it
        fields["price_vnd"] = fields["price_vnd"].replace(".", "").replace(" ", "")
    try:
        body = ProductIn.model_validate({k: v for k, v in fields.items() if v is not None or k == "producer_id"})
        created = await products.register_product(RegisterProduct(body), principal, rt.uow())
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return console.render(
            request,
            "product_new.html",
            status=status,
            user=principal,
            title="Đăng ký sản phẩm",
            producers=await producer_options(principal, rt.uow()),
            form=form,
            error=message,
        )
    return redirect(f"{PREFIX}/products/{created.id}?ok=created")


async def _product_page(
    request: Request,
    rt: RegistryRuntime,
    principal: Principal,
    product_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
    form_name: str = "",
) -> Response:
    page = await product_views.product_page(product_id, principal, rt.uow())
    councils = rt.councils.max_stars
    return console.render(
        request,
        "product.html",
        status=status,
        user=principal,
        title=page.product.name,
        product=page.product,
        producer=page.producer,
        certificate=page.certificate,
        validity=validity(page.certificate, date.today()),
        history=page.history,
        evaluations=page.evaluations,
        active=page.active,
        error=error,
        flash=FLASH.get(request.query_params.get("ok", "")),
        form=form or {},
        form_name=form_name,
        staff=principal.role in STAFF,
        levels={k: LEVELS.get(k, k) for k in councils},
        council_max=councils,
        criteria=CRITERIA,
        criteria_names=CRITERIA_NAMES,
        parts=PARTS,
        thresholds=json.dumps([list(t) for t in STAR_THRESHOLDS]),
        today=date.today().isoformat(),
        json=json,
    )


@router.get("/products/{product_id}")
async def product(request: Request, rt: RuntimeDep, product_id: str) -> Response:
    return await _product_page(request, rt, require_user(request), product_id)


Action = Callable[[Principal, dict[str, str]], Awaitable[tuple[str, str]]]


async def _act(
    request: Request, rt: RegistryRuntime, form_name: str, action: Action, product_id: str | None = None
) -> Response:
    """Run a staff action from a form of a product page: on success back to the page with its flash message;
    on a refusal the page again with the message (the page is the one in the URL, else the one the form was
    on, its hidden ``product_id``; a form posted from nowhere gets the error page)."""
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    try:
        done_on, flash = await action(principal, form)
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        page = product_id or form.get("product_id")
        if not page:
            return console.error_page(request, status, message)
        return await _product_page(
            request, rt, principal, page, status=status, error=message, form=form, form_name=form_name
        )
    return redirect(f"{PREFIX}/products/{done_on}?ok={flash}")


_DETAIL_LINE = re.compile(r"^(?P<name>.+?)\s*[:;]\s*(?P<score>[0-9]+(?:[.,][0-9]+)?)\s*$")


def _detail(form: dict[str, str], parts: list[str]) -> dict[str, list[dict]] | None:
    """Per-criterion lines "Tên tiêu chí: điểm" (optional), one textarea per part."""
    detail: dict[str, list[dict]] = {}
    for part in parts:
        lines = [ln.strip() for ln in (form.get(f"detail_{part}") or "").splitlines() if ln.strip()]
        items = []
        for line in lines:
            m = _DETAIL_LINE.match(line)
            if not m:
                raise AppError(
                    "invalid_detail", f'Dòng chi tiết phần {part} chưa đúng dạng "Tên tiêu chí: điểm": {line[:60]}'
                )
            items.append({"criterion": m["name"], "score": float(m["score"].replace(",", "."))})
        if items:
            detail[part] = items
    return detail or None


def _score(value: str | None) -> str | None:
    return value.replace(",", ".").strip() if value else value


def _decision(form: dict[str, str]) -> dict[str, str | None]:
    return {"decision_no": form.get("decision_no", ""), "issued_on": form.get("issued_on") or None}


@router.post("/products/{product_id}/evaluations")
async def evaluate(request: Request, rt: RuntimeDep, product_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> tuple[str, str]:
        version = form.get("criteria_version", "")
        parts = list(CRITERIA.get(version, {"A": 0, "B": 0, "C": 0}))
        detail = _detail(form, parts)
        scores = {p: _score(form.get(f"score_{p}")) for p in parts}
        if detail:  # the part score is the sum of its criteria
            scores.update({p: str(round(sum(i["score"] for i in items), 3)) for p, items in detail.items()})
        body = EvaluationIn.model_validate(
            {
                "level": form.get("level", ""),
                "criteria_version": version,
                "scores": scores,
                "detail": detail,
                "evaluated_on": form.get("evaluated_on") or None,
            }
        )
        await evaluations.record_evaluation(
            RecordEvaluation(product_id, body), principal, rt.uow(), councils=rt.councils
        )
        return product_id, "evaluated"

    return await _act(request, rt, "evaluation", action, product_id)


@router.post("/evaluations/{evaluation_id}/certificate")
async def issue(request: Request, rt: RuntimeDep, evaluation_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> tuple[str, str]:
        cmd = IssueCertificate(evaluation_id, DecisionIn.model_validate(_decision(form)))
        certificate = await certificates.issue_certificate(cmd, principal, rt.uow(), councils=rt.councils)
        return certificate.product_id, "issued"

    return await _act(request, rt, f"issue-{evaluation_id}", action)


@router.post("/certificates/{certificate_id}/{transition}")
async def replace_or_revoke(request: Request, rt: RuntimeDep, certificate_id: str, transition: str) -> Response:
    require_user(request, *STAFF)
    if transition not in ("renew", "upgrade", "revoke"):
        raise NotFound("not_found", "Không có thao tác này")

    async def action(principal: Principal, form: dict[str, str]) -> tuple[str, str]:
        if transition == "revoke":
            revocation = RevokeIn.model_validate(
                {"reason": form.get("reason", ""), "decision_no": form.get("decision_no", "")}
            )
            revoked = await certificates.revoke_certificate(
                RevokeCertificate(certificate_id, revocation), principal, rt.uow()
            )
            return revoked.product_id, "revoked"
        replacement = ReplaceIn.model_validate({"evaluation_id": form.get("evaluation_id", ""), **_decision(form)})
        if transition == "renew":
            new = await certificates.renew_certificate(
                RenewCertificate(certificate_id, replacement), principal, rt.uow(), councils=rt.councils
            )
            return new.product_id, "renewed"
        new = await certificates.upgrade_certificate(
            UpgradeCertificate(certificate_id, replacement), principal, rt.uow(), councils=rt.councils
        )
        return new.product_id, "upgraded"

    return await _act(request, rt, transition, action)
