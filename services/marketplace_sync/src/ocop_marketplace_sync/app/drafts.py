"""Desired listings from registry events (event-carried state: the snapshot has all a listing needs)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_marketplace_sync.app.sync import DELISTED, LISTED, set_desired
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_shared.events.models import CertificateSnapshot, ProductSnapshot
from ocop_shared.projection import upsert_if_newer


def draft_of(product: ProductSnapshot, certificate: CertificateSnapshot, version: int) -> dict:
    return ListingDraft(
        product_id=product.product_id, version=version, name=product.name, stars=certificate.stars,
        group=product.group, description=product.description, price_vnd=product.price_vnd, unit=product.unit,
        images=product.images, seller=product.producer_public_name, province=product.province.name,
        decision_no=certificate.decision_no, valid_until=certificate.valid_until.isoformat()).model_dump()


async def certificate_changed(runtime, product: ProductSnapshot, certificate: CertificateSnapshot, version: int,
                              session: AsyncClientSession) -> None:
    db = runtime.db
    await upsert_if_newer(db.products, product.product_id, {**product.model_dump(mode="json"),
                                                            "certificate": certificate.model_dump(mode="json")},
                          version, session, merge=True)
    if certificate.status == "active":
        await set_desired(db, runtime.platforms, product.product_id, version, LISTED,
                          draft_of(product, certificate, version), session)
    elif certificate.status in ("revoked", "expired"):
        await set_desired(db, runtime.platforms, product.product_id, version, DELISTED, None, session)
    runtime.sync.wake()


async def product_changed(runtime, product: ProductSnapshot, version: int, session: AsyncClientSession) -> None:
    """New price, name, images…: certified products get their listings updated."""
    db = runtime.db
    current = await db.products.find_one({"_id": product.product_id}, session=session)
    await upsert_if_newer(db.products, product.product_id, product.model_dump(mode="json"), version, session,
                          merge=True)
    certificate = (current or {}).get("certificate")
    if certificate and certificate.get("status") == "active":
        await set_desired(db, runtime.platforms, product.product_id, version, LISTED,
                          draft_of(product, CertificateSnapshot.model_validate(certificate), version), session)
        runtime.sync.wake()
