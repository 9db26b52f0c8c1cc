"""The registry's console pages (``/console``): sign-in, products and certificates for producers and
officials, producers, evaluations with live stars, certificate decisions, KPI reports and expiring lists.

Pages are thin: a form is validated with the API's own schemas and handed to the API's route functions
(which check who may do what), so the console and the API obey the same rules.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from ocop_registry.adapters.repository import (
    CertificateRepository,
    EvaluationRepository,
    ProducerRepository,
    ProductRepository,
)
from ocop_registry.api import certificates as certificates_api
from ocop_registry.api import products as products_api
from ocop_registry.api import reports as reports_api
from ocop_registry.api.deps import in_scope, runtime, visible_product
from ocop_registry.api.schemas import DecisionIn, EvaluationIn, ProductIn, ReplaceIn, RevokeIn
from ocop_registry.app.users import authenticate, change_password, session_token
from ocop_registry.domain.scoring import CRITERIA, STAR_THRESHOLDS
from ocop_shared.auth import Principal
from ocop_registry.domain.certificate import EXPIRY_WARNING_DAYS
from ocop_shared.console import (
    PREFIX,
    Console,
    NavEntry,
    blank_to_none,
    clear_session,
    form_of,
    principal_of,
    require_user,
    safe_next,
    set_session,
)
from ocop_shared.errors import AppError, DomainError, NotFound
from ocop_shared.vocabulary import GROUP_NAMES

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = (NavEntry("/products", "Sản phẩm của tôi", ("producer",)), NavEntry("/producers", "Chủ thể", ("official", "operator")),
       NavEntry("/products", "Sản phẩm", ("official", "operator")),
       NavEntry("/expiring", "Sắp hết hạn", ("official", "operator")),
       NavEntry("/reports", "Báo cáo", ("official", "operator")))
FIELD_NAMES = {"name": "Tên", "group": "Nhóm sản phẩm", "producer_id": "Chủ thể", "unit": "Quy cách",
               "price_vnd": "Giá (đồng)", "gtin": "Mã vạch GTIN", "description": "Mô tả", "level": "Cấp hội đồng",
               "criteria_version": "Bộ tiêu chí", "scores": "Điểm", "evaluated_on": "Ngày đánh giá",
               "decision_no": "Số quyết định", "issued_on": "Ngày quyết định", "evaluation_id": "Kết quả đánh giá",
               "reason": "Lý do", "product_id": "Sản phẩm", "sub_group": "Phân nhóm", "username": "Tên đăng nhập",
               "password": "Mật khẩu", "detail": "Chi tiết tiêu chí"}
console = Console("registry", Path(__file__).resolve().parent / "templates", nav=NAV, field_names=FIELD_NAMES)
STAFF = ("official", "operator")
LEVELS = {"commune": "Cấp xã", "district": "Cấp huyện (hồ sơ trước 07/2025)", "province": "Cấp tỉnh",
          "central": "Cấp trung ương"}
KINDS = {"company": "Doanh nghiệp", "cooperative": "Hợp tác xã", "cooperative_group": "Tổ hợp tác",
         "household": "Hộ sản xuất kinh doanh"}
CRITERIA_NAMES = {"QD148-2023": "QĐ 148/QĐ-TTg (2023): A 40 · B 25 · C 35",
                  "QD1048-2019": "QĐ 1048/QĐ-TTg (2019): A 35 · B 25 · C 40"}
PARTS = {"A": "Phần A — Sản phẩm và sức mạnh cộng đồng", "B": "Phần B — Khả năng tiếp thị",
         "C": "Phần C — Chất lượng sản phẩm"}
REPORTS = {"products-by-stars": reports_api.by_stars, "new-certifications": reports_api.per_year,
           "traceability": reports_api.traced}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- sign in / out ---------------------------------------------------------------------------------

@router.get("")
async def home(request: Request) -> Response:
    principal = principal_of(request)
    if principal is None:
        return _redirect(f"{PREFIX}/login")
    return _redirect(f"{PREFIX}/products")


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    return console.render(request, "login.html", title="Đăng nhập", next=safe_next(request.app.state.runtime.settings, next),
                          user=None, username="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_of(request)
    settings = request.app.state.runtime.settings
    target = safe_next(settings, form.get("next")) or f"{PREFIX}/products"
    username = form.get("username", "").strip()
    try:
        user = await authenticate(runtime(request).db, username, form.get("password", ""))
    except AppError as exc:
        return console.render(request, "login.html", status=401, title="Đăng nhập", error=exc.message,
                              next=form.get("next"), username=username[:40], user=None)
    ttl = timedelta(hours=settings.session_ttl_h)
    response = _redirect(target)
    set_session(response, request, session_token(request.app.state.jwt_key, user, ttl=ttl,
                                                 issuer=request.app.state.jwt_issuer), ttl)
    return response


@router.get("/password")
async def password_form(request: Request) -> Response:
    principal = require_user(request)
    return console.render(request, "password.html", title="Đổi mật khẩu", user=principal)


@router.post("/password")
async def password_change(request: Request) -> Response:
    principal = require_user(request)
    form = await form_of(request)
    new = form.get("new_password", "")
    try:
        if new != form.get("confirm_password", ""):
            raise DomainError("password_mismatch", "Mật khẩu nhập lại không khớp")
        await change_password(runtime(request).db, principal.subject, form.get("current_password", ""), new)
    except AppError as exc:
        return console.render(request, "password.html", status=exc.status, title="Đổi mật khẩu", user=principal,
                              error=exc.message)
    return console.render(request, "password.html", title="Đổi mật khẩu", user=principal,
                          flash="Đã đổi mật khẩu. Lần đăng nhập sau dùng mật khẩu mới.")


@router.post("/logout")
async def logout(request: Request) -> Response:
    await form_of(request)
    response = _redirect(f"{PREFIX}/login")
    clear_session(response, request)
    return response


# -- products --------------------------------------------------------------------------------------

async def _certificates_by_id(db, ids: list[str]) -> dict[str, Any]:
    ids = [i for i in ids if i]
    return {c.id: c for c in await CertificateRepository(db).find({"_id": {"$in": ids}})} if ids else {}


def _validity(certificate, today: date) -> dict[str, Any]:
    """What the page says about a certificate: status, days left, the 90-day warning."""
    if certificate is None:
        return {"label": "Chưa có chứng nhận", "tone": "", "days_left": None, "warn": False}
    status = certificate.status.value if hasattr(certificate.status, "value") else certificate.status
    days = (certificate.valid_until - today).days
    if status == "active" and days < 0:
        return {"label": "Đã quá hạn", "tone": "bad", "days_left": days, "warn": True}
    if status == "active":
        warn = days <= EXPIRY_WARNING_DAYS
        return {"label": f"Còn hiệu lực, hết hạn sau {days} ngày" if warn else "Còn hiệu lực",
                "tone": "warn" if warn else "ok", "days_left": days, "warn": warn}
    return {"label": {"revoked": "Đã thu hồi", "expired": "Hết hạn", "superseded": "Đã được thay thế"}.get(status, status),
            "tone": "bad", "days_left": days, "warn": False}


@router.get("/products")
async def products(request: Request, q: str = "", group: str = "", stars: str = "", province: str = "",
                   commune: str = "") -> Response:
    principal = require_user(request)
    db = runtime(request).db
    query: dict[str, Any] = {}
    if principal.role == "producer":
        query["producer_id"] = principal.producer_id
    if group in GROUP_NAMES:
        query["group"] = group
    found = await ProductRepository(db).find(query, limit=2000)
    producers = await ProducerRepository(db).many(list({p.producer_id for p in found}))
    certs = await _certificates_by_id(db, [p.current_certificate_id for p in found])
    today = date.today()
    rows, provinces = [], {}
    needle, commune_needle = q.strip().lower(), commune.strip().lower()
    for p in found:
        producer = producers.get(p.producer_id)
        if producer is None or (principal.role != "producer" and not in_scope(principal, producer.province.get("code"))):
            continue
        provinces[producer.province.get("code") or producer.province.get("name")] = producer.province.get("name")
        cert = certs.get(p.current_certificate_id)
        if needle and needle not in p.name.lower() and needle not in producer.public_name.lower():
            continue
        if province and province not in (producer.province.get("code"), producer.province.get("name")):
            continue
        if commune_needle and commune_needle not in ((producer.commune or {}).get("name") or "").lower():
            continue
        if stars and (cert is None or str(cert.stars) != stars):
            continue
        rows.append({"product": p, "producer": producer, "certificate": cert, "validity": _validity(cert, today)})
    rows.sort(key=lambda r: (r["producer"].public_name, r["product"].name))
    template = "my_products.html" if principal.role == "producer" else "products.html"
    return console.render(request, template, user=principal, title="Sản phẩm của tôi" if principal.role == "producer"
                          else "Sản phẩm OCOP", rows=rows[:500], total=len(rows), provinces=sorted(provinces.items(), key=lambda x: x[1] or ""),
                          filters={"q": q, "group": group, "stars": stars, "province": province, "commune": commune})


async def _producer_options(request: Request, principal: Principal) -> list:
    found = await ProducerRepository(runtime(request).db).list(province_codes=principal.provinces, limit=2000)
    return sorted(found, key=lambda p: p.public_name)


@router.get("/products/new")
async def new_product_form(request: Request, producer_id: str = "") -> Response:
    principal = require_user(request, *STAFF)
    return console.render(request, "product_new.html", user=principal, title="Đăng ký sản phẩm",
                          producers=await _producer_options(request, principal), form={"producer_id": producer_id})


@router.post("/products/new")
async def new_product(request: Request) -> Response:
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    fields = blank_to_none(form, ("producer_id", "name", "group", "sub_group", "description", "unit", "price_vnd", "gtin"))
    fields["description"] = fields.get("description") or ""
    try:
        if fields.get("price_vnd"):
            fields["price_vnd"] = fields["price_vnd"].replace(".", "").replace(" ", "")
        body = ProductIn.model_validate({k: v for k, v in fields.items() if v is not None or k == "producer_id"})
        created = await products_api.create_product(body, request, principal)
    except (AppError, ValidationError) as exc:
        message = exc.message if isinstance(exc, AppError) else console.validation_message(exc)
        return console.render(request, "product_new.html", status=_status(exc), user=principal, title="Đăng ký sản phẩm",
                              producers=await _producer_options(request, principal), form=form, error=message)
    return _redirect(f"{PREFIX}/products/{created.id}?ok=created")


def _status(exc: Exception) -> int:
    return exc.status if isinstance(exc, AppError) else 422


FLASH = {"created": "Đã đăng ký sản phẩm.", "evaluated": "Đã ghi kết quả đánh giá.",
         "issued": "Đã cấp giấy chứng nhận OCOP.", "renewed": "Đã gia hạn giấy chứng nhận.",
         "upgraded": "Đã nâng hạng giấy chứng nhận.", "revoked": "Đã thu hồi giấy chứng nhận."}


async def _product_page(request: Request, principal: Principal, product_id: str, *, status: int = 200,
                        error: str | None = None, form: dict | None = None, form_name: str = "") -> Response:
    product, current = await visible_product(request, principal, product_id, write=False)
    db = runtime(request).db
    producer = await ProducerRepository(db).get(product.producer_id)
    history = await CertificateRepository(db).find({"product_id": product_id}, sort="issued_on")
    evaluations = await EvaluationRepository(db).find({"product_id": product_id}, sort="recorded_at")
    active = next((c for c in history if c.status.value == "active"), None)
    settings = runtime(request).settings
    return console.render(
        request, "product.html", status=status, user=principal, title=product.name, product=product, producer=producer,
        certificate=active or (history[-1] if history else None), validity=_validity(active or (history[-1] if history else None), date.today()),
        history=list(reversed(history)), evaluations=list(reversed(evaluations)), active=active, error=error,
        flash=FLASH.get(request.query_params.get("ok", "")), form=form or {}, form_name=form_name,
        staff=principal.role in STAFF, levels={k: LEVELS.get(k, k) for k in settings.council_max_stars},
        council_max=settings.council_max_stars, criteria=CRITERIA, criteria_names=CRITERIA_NAMES, parts=PARTS,
        thresholds=json.dumps([list(t) for t in STAR_THRESHOLDS]), today=date.today().isoformat(),
        json=json)


@router.get("/products/{product_id}")
async def product(request: Request, product_id: str) -> Response:
    principal = require_user(request)
    return await _product_page(request, principal, product_id)


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
                raise AppError("invalid_detail", f"Dòng chi tiết phần {part} chưa đúng dạng \"Tên tiêu chí: điểm\": {line[:60]}")
            items.append({"criterion": m["name"], "score": float(m["score"].replace(",", "."))})
        if items:
            detail[part] = items
    return detail or None


def _score(value: str | None) -> str | None:
    return value.replace(",", ".").strip() if value else value


async def _act(request: Request, product_id: str, form_name: str, action) -> Response:
    """Run a staff action from a product page form; on a refusal re-render the page with the message."""
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    try:
        flash = await action(principal, form)
    except (AppError, ValidationError) as exc:
        message = exc.message if isinstance(exc, AppError) else console.validation_message(exc)
        return await _product_page(request, principal, product_id, status=_status(exc), error=message, form=form,
                                   form_name=form_name)
    return _redirect(f"{PREFIX}/products/{product_id}?ok={flash}")


@router.post("/products/{product_id}/evaluations")
async def evaluate(request: Request, product_id: str) -> Response:
    async def action(principal: Principal, form: dict[str, str]) -> str:
        version = form.get("criteria_version", "")
        parts = list(CRITERIA.get(version, {"A": 0, "B": 0, "C": 0}))
        detail = _detail(form, parts)
        scores = {p: _score(form.get(f"score_{p}")) for p in parts}
        if detail:  # the part score is the sum of its criteria
            scores.update({p: str(round(sum(i["score"] for i in items), 3)) for p, items in detail.items()})
        body = EvaluationIn.model_validate({"level": form.get("level", ""), "criteria_version": version,
                                           "scores": scores, "detail": detail,
                                           "evaluated_on": form.get("evaluated_on") or None})
        await products_api.create_evaluation(product_id, body, request, principal)
        return "evaluated"
    return await _act(request, product_id, "evaluation", action)


async def _product_of_evaluation(request: Request, evaluation_id: str) -> str:
    evaluation = await EvaluationRepository(runtime(request).db).get(evaluation_id)
    if evaluation is None:
        raise NotFound("evaluation_not_found", "Không tìm thấy kết quả đánh giá")
    return evaluation.product_id


async def _product_of_certificate(request: Request, certificate_id: str) -> str:
    certificate = await CertificateRepository(runtime(request).db).get(certificate_id)
    if certificate is None:
        raise NotFound("certificate_not_found", "Không tìm thấy giấy chứng nhận")
    return certificate.product_id


@router.post("/evaluations/{evaluation_id}/certificate")
async def issue(request: Request, evaluation_id: str) -> Response:
    require_user(request, *STAFF)
    product_id = await _product_of_evaluation(request, evaluation_id)

    async def action(principal: Principal, form: dict[str, str]) -> str:
        body = DecisionIn.model_validate({"decision_no": form.get("decision_no", ""),
                                          "issued_on": form.get("issued_on") or None})
        await certificates_api.issue(evaluation_id, body, request, principal)
        return "issued"
    return await _act(request, product_id, f"issue-{evaluation_id}", action)


@router.post("/certificates/{certificate_id}/{transition}")
async def replace_or_revoke(request: Request, certificate_id: str, transition: str) -> Response:
    require_user(request, *STAFF)
    if transition not in ("renew", "upgrade", "revoke"):
        raise NotFound("not_found", "Không có thao tác này")
    product_id = await _product_of_certificate(request, certificate_id)

    async def action(principal: Principal, form: dict[str, str]) -> str:
        if transition == "revoke":
            body = RevokeIn.model_validate({"reason": form.get("reason", ""), "decision_no": form.get("decision_no", "")})
            await certificates_api.revoke(certificate_id, body, request, principal)
            return "revoked"
        body = ReplaceIn.model_validate({"evaluation_id": form.get("evaluation_id", ""),
                                         "decision_no": form.get("decision_no", ""),
                                         "issued_on": form.get("issued_on") or None})
        endpoint = certificates_api.renew if transition == "renew" else certificates_api.upgrade
        await endpoint(certificate_id, body, request, principal)
        return "renewed" if transition == "renew" else "upgraded"
    return await _act(request, product_id, transition, action)


# -- producers, expiring, reports (officials) -------------------------------------------------------

@router.get("/producers")
async def producers(request: Request, q: str = "", province: str = "", kind: str = "", commune: str = "") -> Response:
    principal = require_user(request, *STAFF)
    found = await ProducerRepository(runtime(request).db).list(province_codes=principal.provinces, limit=5000)
    provinces = sorted({(p.province.get("code") or p.province.get("name"), p.province.get("name")) for p in found},
                       key=lambda x: x[1] or "")
    needle, commune_needle = q.strip().lower(), commune.strip().lower()
    rows = [p for p in found
            if (not needle or needle in p.name.lower() or needle in p.public_name.lower() or needle in p.tax_code)
            and (not province or province in (p.province.get("code"), p.province.get("name")))
            and (not kind or p.kind.value == kind)
            and (not commune_needle or commune_needle in ((p.commune or {}).get("name") or "").lower())]
    rows.sort(key=lambda p: p.public_name)
    return console.render(request, "producers.html", user=principal, title="Chủ thể OCOP", rows=rows[:500],
                          total=len(rows), provinces=provinces, kinds=KINDS,
                          filters={"q": q, "province": province, "kind": kind, "commune": commune})


@router.get("/expiring")
async def expiring(request: Request, days: int = EXPIRY_WARNING_DAYS) -> Response:
    principal = require_user(request, *STAFF)
    days = max(0, min(days, 3650))
    from ocop_registry.app import reports

    report = await reports.expiring(runtime(request).db, days, date.today(), principal.provinces)
    return console.render(request, "expiring.html", user=principal, title="Sản phẩm sắp hết hạn chứng nhận",
                          report=report, days=days)


@router.get("/reports")
async def reports_page(request: Request) -> Response:
    principal = require_user(request, *STAFF)
    from ocop_registry.app import reports

    db = runtime(request).db
    tables = [("products-by-stars", await reports.products_by_stars(db, principal.provinces)),
              ("new-certifications", await reports.new_certifications(db, principal.provinces)),
              ("traceability", await reports.traceability(db, principal.provinces))]
    return console.render(request, "reports.html", user=principal, title="Báo cáo chỉ tiêu OCOP", tables=tables)


@router.get("/reports/{name}.xlsx")
async def report_xlsx(request: Request, name: str, days: int = EXPIRY_WARNING_DAYS) -> Response:
    principal = require_user(request, *STAFF)
    if name == "expiring":
        return await reports_api.expiring(request, principal, days=max(0, min(days, 3650)), fmt="xlsx")
    if name not in REPORTS:
        raise NotFound("report_not_found", "Không có báo cáo này")
    return await REPORTS[name](request, principal, fmt="xlsx")
