"""Traceability service: growing areas, batches, QR stamps and the public scan page."""

from __future__ import annotations

from fastapi import FastAPI

from ocop_shared.web import create_service_app
from ocop_traceability.api.producers import router as producers
from ocop_traceability.bootstrap import TraceabilitySettings, bootstrap


def create_app(settings: TraceabilitySettings | None = None) -> FastAPI:
    return create_service_app(
        bootstrap(settings), title="OCOP traceability", routers=[producers], collections=["producers"],
        description="Vùng trồng, lô hàng, tem QR truy xuất nguồn gốc và trang quét công khai.",
    )
