"""What every page of the registry's console shares: the router, the Jinja console with this service's
navigation and field labels, Vietnamese labels of the registry's vocabulary, and small page helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from ocop_registry.domain.certificate import EXPIRY_WARNING_DAYS, Certificate
from ocop_registry.domain.dossier import STATUS_NAMES
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, Console, NavEntry, form_of, require_user
from ocop_shared.errors import AppError

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = (
    NavEntry("/products", "Sản phẩm của tôi", ("producer",)),
    NavEntry("/dossiers", "Hồ sơ OCOP", ("producer",)),
    NavEntry("/producers", "Chủ thể", ("official", "operator")),
    NavEntry("/products", "Sản phẩm", ("official", "operator")),
    NavEntry("/dossiers", "Hồ sơ đánh giá", ("official", "operator")),
    NavEntry("/councils", "Hội đồng", ("official", "operator", "council_member")),
    NavEntry("/expiring", "Sắp hết hạn", ("official", "operator")),
    NavEntry("/reports", "Báo cáo", ("official", "operator")),
)
# The start page of each role (a council member's is the councils they sit on).
HOME = {"council_member": "/councils"}
# This service's own static files (the dossier and score-sheet pages' scripts), beside the shared ones.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/console/registry-static"
FIELD_NAMES = {
    "name": "Tên",
    "group": "Nhóm sản phẩm",
    "producer_id": "Chủ thể",
    "unit": "Quy cách",
    "price_vnd": "Giá (đồng)",
    "gtin": "Mã vạch GTIN",
    "description": "Mô tả",
    "level": "Cấp hội đồng",
    "criteria_version": "Bộ tiêu chí",
    "scores": "Điểm",
    "evaluated_on": "Ngày đánh giá",
    "decision_no": "Số quyết định",
    "issued_on": "Ngày quyết định",
    "evaluation_id": "Kết quả đánh giá",
    "reason": "Lý do",
    "product_id": "Sản phẩm",
    "sub_group": "Phân nhóm",
    "username": "Tên đăng nhập",
    "password": "Mật khẩu",
    "detail": "Chi tiết tiêu chí",
    "cycle_year": "Năm đánh giá",
    "kind": "Loại hồ sơ",
    "business_plan": "Tóm tắt phương án sản xuất kinh doanh",
    "production_capacity": "Công suất",
    "target_stars": "Hạng sao đề nghị",
    "meeting_on": "Ngày họp",
    "members": "Thành viên",
    "comment": "Nhận xét",
    "title": "Tên tài liệu",
}
console = Console("registry", Path(__file__).resolve().parent.parent / "templates", nav=NAV, field_names=FIELD_NAMES)

LEVELS = {
    "commune": "Cấp xã",
    "district": "Cấp huyện (hồ sơ trước 07/2025)",
    "province": "Cấp tỉnh",
    "central": "Cấp trung ương",
}
KINDS = {
    "company": "Doanh nghiệp",
    "cooperative": "Hợp tác xã",
    "cooperative_group": "Tổ hợp tác",
    "household": "Hộ sản xuất kinh doanh",
}
CRITERIA_NAMES = {
    "QD148-2023": "QĐ 148/QĐ-TTg (2023): A 40 · B 25 · C 35",
    "QD1048-2019": "QĐ 1048/QĐ-TTg (2019): A 35 · B 25 · C 40",
}
DOSSIER_STATUS = STATUS_NAMES
DOSSIER_KINDS = {"new": "Đăng ký mới", "renewal": "Đánh giá lại (gia hạn)", "upgrade": "Nâng hạng sao"}
COUNCIL_STATUS = {"open": "Đang chấm điểm", "closed": "Đã kết thúc chấm điểm", "decided": "Đã có quyết định"}
MEMBER_ROLE_NAMES = {"chair": "Chủ tịch hội đồng", "member": "Thành viên"}
PARTS = {
    "A": "Phần A — Sản phẩm và sức mạnh cộng đồng",
    "B": "Phần B — Khả năng tiếp thị",
    "C": "Phần C — Chất lượng sản phẩm",
}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def refusal(exc: AppError | ValidationError) -> tuple[int, str]:
    """The status and the Vietnamese message of a refused form."""
    if isinstance(exc, AppError):
        return exc.status, exc.message
    return 422, console.validation_message(exc)


# A form's use case: the caller and the form's fields → the flash message's key.
FormAction = Callable[[Principal, dict[str, str]], Awaitable[str]]
# The page the form was on, drawn again with the refusal: (caller, status, message, the form as sent).
Redraw = Callable[[Principal, int, str, dict[str, str]], Awaitable[Response]]


async def act(request: Request, roles: tuple[str, ...], action: FormAction, redraw: Redraw, done: str) -> Response:
    """Run a form's use case: on success to ``done`` with ``?ok=<flash>``; on a refusal the page again, with
    the message and what was typed, under the refusal's status."""
    principal = require_user(request, *roles)
    form = await form_of(request)
    try:
        flash = await action(principal, form)
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return await redraw(principal, status, message, form)
    return redirect(f"{done}?ok={flash}")


def validity(certificate: Certificate | None, today: date) -> dict[str, Any]:
    """What the page says about a certificate: status, days left, the 90-day warning."""
    if certificate is None:
        return {"label": "Chưa có chứng nhận", "tone": "", "days_left": None, "warn": False}
    status = certificate.status.value
    days = (certificate.valid_until - today).days
    if status == "active" and days < 0:
        return {"label": "Đã quá hạn", "tone": "bad", "days_left": days, "warn": True}
    if status == "active":
        warn = days <= EXPIRY_WARNING_DAYS
        return {
            "label": f"Còn hiệu lực, hết hạn sau {days} ngày" if warn else "Còn hiệu lực",
            "tone": "warn" if warn else "ok",
            "days_left": days,
            "warn": warn,
        }
    return {
        "label": {"revoked": "Đã thu hồi", "expired": "Hết hạn", "superseded": "Đã được thay thế"}.get(status, status),
        "tone": "bad",
        "days_left": days,
        "warn": False,
    }
