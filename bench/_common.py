"""What the benchmarks share (they import no test module): the records they seed and how they report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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


def load_parser(what: str) -> argparse.ArgumentParser:
    """The options of the load benchmarks (bench/scan.py, bench/portal.py)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--env", action="append", default=[], help=f"extra OCOP_*=value for {what}")
    return parser


def service_env(stack: Any, tmp: Path, overrides: list[str], **fixed: str) -> dict[str, str]:
    """The environment of a service the benchmark runs on the embedded stack: ``fixed`` settings, then the
    ``--env NAME=value`` overrides."""
    return {
        "OCOP_KAFKA_BOOTSTRAP": stack.bootstrap,
        "OCOP_MONGO_URL": stack.mongo_url,
        "OCOP_SECRET_KEY": "b",
        "OCOP_DATA_DIR": str(tmp),
        "OCOP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent),
        **fixed,
        **dict(e.split("=", 1) for e in overrides),
    }
