"""The inputs of marketplace_sync's use cases (registry events, API bodies and console forms become these)."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_shared.events.models import CertificateSnapshot, ProducerSnapshot, ProductSnapshot


@dataclass(frozen=True)
class CertificateChanged:
    """certificate.issued|renewed|upgraded|revoked|expired: the certificate and the product as they are now."""

    product: ProductSnapshot
    certificate: CertificateSnapshot
    version: int  # the product's version in the registry


@dataclass(frozen=True)
class ProductChanged:
    product: ProductSnapshot
    version: int


@dataclass(frozen=True)
class ProducerChanged:
    producer: ProducerSnapshot
    version: int


@dataclass(frozen=True)
class ListingsQuery:
    product_id: str | None = None  # None: every product the caller may see


@dataclass(frozen=True)
class Resync:
    """Push the desired state again and compare with what the platforms hold (one product, or all)."""

    product_id: str | None = None


@dataclass(frozen=True)
class Reconcile:
    """Compare what the platforms hold with the listings (one product, or all)."""

    product_id: str | None = None
