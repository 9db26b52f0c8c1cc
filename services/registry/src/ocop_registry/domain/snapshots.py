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
    )


def product_snapshot(product: Product, producer: Producer) -> ProductSnapshot:
    return ProductSnapshot(
        product_id=product.id,
        producer_id=product.producer_id,
        name=product.name,
        group=product.group.value,
        sub_group=product.sub_group,
        description=product.description,
        price_vnd=product.price_vnd,
        unit=product.unit,
        images=product.images,
        gtin=product.gtin,
        producer_public_name=producer.public_name or producer.name,
        province=AdminUnit(**producer.province),
    )


def certificate_snapshot(c: Certificate) -> CertificateSnapshot:
    return CertificateSnapshot(
        certificate_id=c.id,
        product_id=c.product_id,
        stars=c.stars,
        decision_no=c.decision_no,
        issued_on=c.issued_on,
        valid_until=c.valid_until,
        status=c.status.value,
        criteria_version=c.criteria_version,
    )
