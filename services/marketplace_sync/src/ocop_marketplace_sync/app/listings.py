"""Where products are listed (API and console), scoped to the caller, and the resync officials ask for."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_marketplace_sync.app import policy
from ocop_marketplace_sync.app.commands import ListingsQuery, Resync
from ocop_marketplace_sync.app.ports import ProductSummary, SyncScheduler, UnitOfWork
from ocop_marketplace_sync.domain.listing_state import Listing
from ocop_shared.auth import Principal
from ocop_shared.errors import NotFound


@dataclass(frozen=True)
class ProductListings:
    product: ProductSummary
    listings: list[Listing]  # one per platform it was sent to (none yet: an empty list)


async def listings_of(query: ListingsQuery, principal: Principal, uow: UnitOfWork) -> list[Listing]:
    """One entry per platform for a product (or for every product), only products the caller may see."""
    policy.require_role(principal, policy.READERS)
    visible = await policy.visible_products(principal, uow)
    return _within(await uow.listings.of_product(query.product_id), visible)


async def products_with_listings(query: ListingsQuery, principal: Principal, uow: UnitOfWork) -> list[ProductListings]:
    """The console's table: the caller's products by name, each with its listings."""
    policy.require_role(principal, policy.READERS)
    visible = await policy.visible_products(principal, uow)
    products = [
        p
        for p in await uow.products.summaries(producer_id=principal.scope.producer_id, product_id=query.product_id)
        if visible is None or p.id in visible
    ]
    if query.product_id and not products:
        # not certified yet (marketplace_sync knows products from certification events), or not yours
        raise NotFound("product_not_found", "Sản phẩm chưa từng được đưa lên sàn, hoặc không thuộc chủ thể của bạn")
    by_product: dict[str, list[Listing]] = {}
    for listing in _within(await uow.listings.of_product(query.product_id), visible):
        by_product.setdefault(listing.product_id, []).append(listing)
    return [ProductListings(p, by_product.get(p.id, [])) for p in products]


async def resync(cmd: Resync, principal: Principal, uow: UnitOfWork, sync: SyncScheduler) -> int:
    """Every listing (of the product) pending again, then compared with the platforms; returns how many."""
    await policy.check_resync(principal, cmd.product_id, uow)
    count = await uow.listings.resync(cmd.product_id)
    async with uow.acting(principal, "listing.resync", product=cmd.product_id):  # the (bulk) update is done
        uow.note(listings=count)
        await uow.commit()
    sync.wake()
    sync.reconcile_soon(cmd.product_id)
    return count


def _within(listings: list[Listing], visible: set[str] | None) -> list[Listing]:
    return listings if visible is None else [entry for entry in listings if entry.product_id in visible]
