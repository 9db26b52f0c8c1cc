"""Which listing a registry event asks for (the desired state of a product on every platform).

Certified (issued, renewed, upgraded: the event's certificate is active) → listed with the draft; revoked or
expired → delisted; a product update → the listing follows it while the product is certified. Any other
certificate status (e.g. superseded) asks for nothing.
"""

from __future__ import annotations

from ocop_marketplace_sync.domain.listing_state import DELISTED, LISTED, Desired
from ocop_shared.events.models import CertificateSnapshot

DELISTING_STATUSES = ("revoked", "expired")


def desired_on_certificate(certificate: CertificateSnapshot) -> Desired | None:
    if certificate.status == "active":
        return LISTED
    if certificate.status in DELISTING_STATUSES:
        return DELISTED
    return None


def desired_on_product_update(certificate: CertificateSnapshot | None) -> Desired | None:
    """The certificate is the one our copy of the product holds (from the last certificate event)."""
    return LISTED if certificate is not None and certificate.status == "active" else None
