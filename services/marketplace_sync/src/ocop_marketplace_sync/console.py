"""marketplace_sync's console page (``/console/listings``): where each product is listed, per platform.

A producer sees its own products only (another producer's product id answers 404); officials see their
provinces' (all when unscoped) and push a product's listings again.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocop_marketplace_sync.app import listings as use
from ocop_marketplace_sync.app.commands import ListingsQuery, Resync
from ocop_marketplace_sync.app.policy import RESYNCERS
from ocop_marketplace_sync.runtime import RuntimeDep
from ocop_shared.console import PREFIX, Console, NavEntry, form_of, require_user, start_route
from ocop_shared.errors import NotFound

router = APIRouter(prefix=PREFIX, include_in_schema=False)
console = Console(
    "marketplace", Path(__file__).resolve().parent / "templates", nav=(NavEntry("/listings", "Niêm yết trên sàn"),)
)
STATUS = {
    "published": ("Đang bán", "ok"),
    "pending": ("Đang đồng bộ", ""),
    "delisted": ("Đã gỡ", ""),
    "failed": ("Sàn từ chối", "bad"),
}
PLATFORMS = {"voso": "Voso (mô phỏng)", "postmart": "Postmart (mô phỏng)"}


start_route(router, "/listings")  # /console: the first page


@router.get("/listings")
async def listings(request: Request, runtime: RuntimeDep, product_id: str | None = None) -> Response:
    principal = require_user(request)
    rows = await use.products_with_listings(ListingsQuery(product_id), principal, runtime.uow())
    flash = "Đã yêu cầu đồng bộ lại; trạng thái cập nhật sau ít giây." if request.query_params.get("ok") else None
    return console.render(
        request,
        "listings.html",
        user=principal,
        title="Sản phẩm trên sàn thương mại điện tử",
        rows=rows,
        statuses=STATUS,
        platforms=PLATFORMS,
        product_id=product_id,
        flash=flash,
    )


@router.post("/listings/resync")
async def resync(request: Request, runtime: RuntimeDep) -> Response:
    """Officials push a product's listings again and compare with the platforms (after fixing its data)."""
    principal = require_user(request, *RESYNCERS)
    form = await form_of(request)
    product_id = (form.get("product_id") or "").strip()[:64]
    if not product_id:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    await use.resync(Resync(product_id), principal, runtime.uow(), runtime.sync)
    return RedirectResponse(f"{PREFIX}/listings?ok=resync", status_code=303)
