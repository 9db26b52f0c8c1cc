"""national_sync's console page (``/console/portal``): each product's state on the national traceability
portal and, when it cannot go yet, exactly what is missing (in Vietnamese).

A producer sees its own products only; officials see their provinces' (all when unscoped) and push a
product again after its data was fixed.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocop_national_sync.app import status as use
from ocop_national_sync.app.commands import Resync, StatusQuery
from ocop_national_sync.app.policy import RESYNCERS
from ocop_national_sync.runtime import RuntimeDep
from ocop_shared.console import PREFIX, Console, NavEntry, form_of, require_user, start_route
from ocop_shared.errors import NotFound

router = APIRouter(prefix=PREFIX, include_in_schema=False)
console = Console(
    "national", Path(__file__).resolve().parent / "templates", nav=(NavEntry("/portal", "Cổng truy xuất quốc gia"),)
)
STATUS = {
    "published": ("Đã lên Cổng", "ok"),
    "pending": ("Đang gửi", ""),
    "not_ready": ("Chưa đủ thông tin", "bad"),
    "withdrawn": ("Đã rút khỏi Cổng", ""),
    "failed": ("Cổng từ chối", "bad"),
}


start_route(router, "/portal")  # /console: the first page


@router.get("/portal")
async def portal(request: Request, runtime: RuntimeDep, product_id: str | None = None) -> Response:
    principal = require_user(request)
    rows = await use.statuses(StatusQuery(product_id), principal, runtime.uow())
    flash = "Đã yêu cầu gửi lại; trạng thái cập nhật sau ít giây." if request.query_params.get("ok") else None
    return console.render(
        request,
        "portal.html",
        user=principal,
        title="Sản phẩm trên Cổng truy xuất nguồn gốc quốc gia",
        rows=rows,
        statuses=STATUS,
        simulated=runtime.portal is not None,
        flash=flash,
    )


@router.post("/portal/resync")
async def resync(request: Request, runtime: RuntimeDep) -> Response:
    principal = require_user(request, *RESYNCERS)
    form = await form_of(request)
    product_id = (form.get("product_id") or "").strip()[:64]
    if not product_id:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    await use.resync(Resync(product_id), principal, runtime.uow())
    runtime.worker.wake()
    return RedirectResponse(f"{PREFIX}/portal?ok=resync", status_code=303)
