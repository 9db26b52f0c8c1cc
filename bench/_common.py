"""What the benchmarks share (they import no test module): the records they seed and how they report."""

from __future__ import annotations

from ocop_shared.events.models import AdminUnit, CertificateSnapshot, ProductSnapshot
from ocop_traceability.domain.stamps import StampRun

THAI_NGUYEN = AdminUnit(code="19", name="Thái Nguyên")
TEA_GTIN = "8934567890120"


def tea_product(**fields) -> ProductSnapshot:
    """Traceability's copy of a Chợ Đồn tea (product "p" of producer "pr")."""
    return ProductSnapshot(
        product_id="p",
        producer_id="pr",
        name="Chè Shan tuyết Chợ Đồn",
        group="beverage",
        gtin=TEA_GTIN,
        producer_public_name="HKD Hà Thị Thoa",
        province=THAI_NGUYEN,
        **fields,
    )


def active_certificate() -> CertificateSnapshot:
    """Traceability's copy of product "p"'s 4★ certificate, valid 2026-2029."""
    return CertificateSnapshot(
        certificate_id="c",
        product_id="p",
        stars=4,
        status="active",
        decision_no="1611/QĐ-UBND",
        issued_on="2026-11-01",
        valid_until="2029-11-01",
    )


def tea_stamp_run(run_id: str, lot: str, count: int) -> StampRun:
    """A run of ``count`` stamps for batch "b" (lot ``lot``) of the tea."""
    return StampRun(id=run_id, batch_id="b", product_id="p", producer_id="pr", lot=lot, gtin=TEA_GTIN, count=count)


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of durations in seconds, in milliseconds."""
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000
