"""What every page of the registry's console shares: the router, the Jinja console with this service's
navigation and field labels, Vietnamese labels of the registry's vocabulary, and small page helpers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from ocop_registry.domain.certificate import EXPIRY_WARNING_DAYS, Certificate
from ocop_shared.console import PREFIX, Console, NavEntry
from ocop_shared.errors import AppError

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = (
    NavEntry("/products", "Sản phẩm của tôi", ("producer",)),
    NavEntry("/producers", "Chủ thể", ("official", "operator")),
    NavEntry("/products", "Sản phẩm", ("official", "operator")),
    NavEntry("/expiring", "Sắp hết hạn", ("official", "operator")),
    NavEntry("/reports", "Báo cáo", ("official", "operator")),
    NavEntry("/plans", "Kế hoạch", ("official", "operator")),
)
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
