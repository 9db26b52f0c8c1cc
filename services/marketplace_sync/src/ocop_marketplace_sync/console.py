"""marketplace_sync's console page (``/console/listings``): where each product is listed, per platform.

A producer sees its own products only (another producer's product id answers 404); officials see all.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocop_marketplace_sync.api.listings import ResyncIn, visible_products
from ocop_marketplace_sync.api.listings import listings as listings_api
from ocop_marketplace_sync.api.listings import resync as resync_api
from ocop_shared.console import PREFIX, Console, NavEntry, form_of, require_user
from ocop_shared.errors import NotFound

router = APIRouter(prefix=PREFIX, include_in_schema=False)
console = Console("marketplace", Path(__file__).resolve().parent / "templates",
                  nav=(NavEntry("/listings", "Niêm yết trên sàn"),))
STATUS = {"published": ("Đang bán", "ok"), "pending": ("Đang đồng bộ", ""), "delisted": ("Đã gỡ", ""),
          "failed": ("Sàn từ chối", "bad")}
PLATFORMS = {"voso": "Voso (mô phỏng)", "postmart": "Postmart (mô phỏng)"}


@router.get("")
async def start(request: Request) -> Response:
    require_user(request)
    return RedirectResponse(f"{PREFIX}/listings", status_code=303)


@router.get("/listings")
async def listings(request: Request, product_id: str | None = None) -> Response:
    principal = require_user(request)
    db = request.app.state.runtime.db
    query: dict = {"producer_id": principal.producer_id} if principal.role == "producer" else {}
    if product_id:
        query["_id"] = product_id
    visible = await visible_products(db, principal)
    products = [p for p in await db.products.find(query, projection={"name": 1, "producer_id": 1,
                                                                      "producer_public_name": 1})
                .sort("name", 1).to_list(2000) if visible is None or p["_id"] in visible]
    if product_id and not products:
        # not certified yet (marketplace_sync knows products from certification events), or not yours
        raise NotFound("product_not_found", "Sản phẩm chưa từng được đưa lên sàn, hoặc không thuộc chủ thể của bạn")
    entries = await listings_api(request, principal, product_id=product_id)
    by_product: dict[str, list[dict]] = {}
    for e in entries:
        by_product.setdefault(e["product_id"], []).append(e)
    rows = [{"product": p, "listings": by_product.get(p["_id"], [])} for p in products]
    flash = "Đã yêu cầu đồng bộ lại; trạng thái cập nhật sau ít giây." if request.query_params.get("ok") else None
    return console.render(request, "listings.html", user=principal, title="Sản phẩm trên sàn thương mại điện tử",
                          rows=rows, statuses=STATUS, platforms=PLATFORMS, product_id=product_id, flash=flash)


@router.post("/listings/resync")
async def resync(request: Request) -> Response:
    """Officials push a product's listings again and compare with the platforms (after fixing its data)."""
    principal = require_user(request, "official", "operator")
    form = await form_of(request)
    product_id = (form.get("product_id") or "").strip()[:64]
    if not product_id:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    visible = await visible_products(request.app.state.runtime.db, principal)
    if visible is not None and product_id not in visible:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    await resync_api(request, principal, ResyncIn(product_id=product_id))
    return RedirectResponse(f"{PREFIX}/listings?ok=resync", status_code=303)
