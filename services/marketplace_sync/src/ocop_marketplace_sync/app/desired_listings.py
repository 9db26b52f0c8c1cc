"""Registry events set the desired listing of a product on every enabled platform (in the consumer's inbox
transaction); the sync worker pushes it afterwards. Each returns whether some listing became pending."""

from __future__ import annotations

from collections.abc import Sequence

from ocop_marketplace_sync.app.commands import CertificateChanged, ProductChanged
from ocop_marketplace_sync.app.ports import UnitOfWork
from ocop_marketplace_sync.domain.desired_state import desired_on_certificate, desired_on_product_update
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.listing_state import LISTED, Desired, Listing
from ocop_shared.tracing import current_traceparent


async def certificate_changed(cmd: CertificateChanged, uow: UnitOfWork, platforms: Sequence[str]) -> bool:
    product = cmd.product
    async with uow:
        await uow.products.apply(product, cmd.version, certificate=cmd.certificate)
        desired = desired_on_certificate(cmd.certificate)
        draft = ListingDraft.of(product, cmd.certificate, cmd.version) if desired == LISTED else None
        changed = desired is not None and await want(uow, platforms, product.product_id, cmd.version, desired, draft)
        await uow.commit()
    return changed


async def product_changed(cmd: ProductChanged, uow: UnitOfWork, platforms: Sequence[str]) -> bool:
    """New price, name, images…: the listings of a certified product follow."""
    product = cmd.product
    async with uow:
        certificate = await uow.products.certificate_of(product.product_id)  # set by the last certificate event
        await uow.products.apply(product, cmd.version)
        changed = False
        if certificate is not None and desired_on_product_update(certificate) == LISTED:
            draft = ListingDraft.of(product, certificate, cmd.version)
            changed = await want(uow, platforms, product.product_id, cmd.version, LISTED, draft)
        await uow.commit()
    return changed


async def want(
    uow: UnitOfWork,
    platforms: Sequence[str],
    product_id: str,
    version: int,
    desired: Desired,
    draft: ListingDraft | None,
) -> bool:
    """Record what every platform should show; a listing already at this version or newer stays as it is."""
    traceparent = current_traceparent()  # the event's trace: platform calls and listing events continue it
    changed = False
    for platform in platforms:
        listing = await uow.listings.get(Listing.key(product_id, platform))
        if listing is None:
            await uow.listings.add(Listing.first(product_id, platform, desired, version, draft, traceparent))
            changed = True
        elif listing.want(desired, version, draft, traceparent):
            await uow.listings.save_desired(listing)
            changed = True
    return changed
