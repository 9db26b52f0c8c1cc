"""Event payload builders: the public snapshot other services keep (no private producer data)."""

from __future__ import annotations

from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_shared.events.models import AdminUnit, CertificateSnapshot, ProducerSnapshot, ProductSnapshot


def producer_snapshot(p: Producer) -> ProducerSnapshot:
    return ProducerSnapshot(
        producer_id=p.id,
        name=p.name,
        public_name=p.public_name or p.name,
        kind=p.kind.value,
        province=AdminUnit(**p.province),
        commune=AdminUnit(**p.commune) if p.commune else None,
        district=AdminUnit(**p.district) if p.district else None,
        recorded=p.recorded,
    )


def product_snapshot(product: Product, producer: Producer) -> ProductSnapshot:
    facts = product.model_dump(
        include={"producer_id", "name", "sub_group", "description", "price_vnd", "unit", "images", "gtin"}
    )
    return ProductSnapshot(
        product_id=product.id,
        group=product.group.value,
        **facts,
        producer_public_name=producer.public_name or producer.name,
        province=AdminUnit(**producer.province),
    )


def certificate_snapshot(c: Certificate) -> CertificateSnapshot:
    facts = c.model_dump(include={"product_id", "stars", "decision_no", "issued_on", "valid_until", "criteria_version"})
    return CertificateSnapshot(certificate_id=c.id, status=c.status.value, **facts)
