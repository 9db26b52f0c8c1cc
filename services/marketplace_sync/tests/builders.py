"""Registry snapshots and commands for the unit tests (the shapes registry events carry)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ocop_marketplace_sync.app.commands import CertificateChanged, ProducerChanged, ProductChanged
from ocop_shared.events.models import AdminUnit, CertificateSnapshot, ProducerSnapshot, ProductSnapshot

THAI_NGUYEN = AdminUnit(code="19", name="Thái Nguyên")
BAC_NINH = AdminUnit(code="24", name="Bắc Ninh")


def product(product_id: str = "p-1", producer_id: str = "pr-1", **kw: Any) -> ProductSnapshot:
    base: dict[str, Any] = dict(
        product_id=product_id,
        producer_id=producer_id,
        name="Chè Shan tuyết Chợ Đồn",
        group="beverage",
        price_vnd=250000,
        unit="hộp 200 g",
        producer_public_name="HKD Hà Thị Thoa",
        province=THAI_NGUYEN,
    )
    return ProductSnapshot(**(base | kw))


def certificate(status: str = "active", product_id: str = "p-1", stars: int = 4) -> CertificateSnapshot:
    return CertificateSnapshot(
        certificate_id=f"c-{product_id}",
        product_id=product_id,
        stars=stars,
        decision_no="1611/QĐ-UBND",
        issued_on=date(2026, 11, 1),
        valid_until=date(2029, 11, 1),
        status=status,
    )


def certified(version: int, status: str = "active", **kw: Any) -> CertificateChanged:
    p = product(**kw)
    return CertificateChanged(p, certificate(status, p.product_id), version)


def updated(version: int, **kw: Any) -> ProductChanged:
    return ProductChanged(product(**kw), version)


def producer(producer_id: str = "pr-1", province: AdminUnit = THAI_NGUYEN, version: int = 1) -> ProducerChanged:
    return ProducerChanged(
        ProducerSnapshot(
            producer_id=producer_id,
            name="Hộ kinh doanh Hà Thị Thoa",
            public_name="HKD Hà Thị Thoa",
            kind="household",
            province=province,
        ),
        version,
    )
