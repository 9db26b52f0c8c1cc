"""Marketplace sync service: certified products become listings on voso and postmart."""

from __future__ import annotations

from fastapi import FastAPI

from ocop_marketplace_sync.api.listings import router as listings
from ocop_marketplace_sync.api.producers import router as producers
from ocop_marketplace_sync.bootstrap import MarketplaceSyncSettings, background, bootstrap
from ocop_marketplace_sync.console import console
from ocop_marketplace_sync.console import router as console_pages
from ocop_shared.console import install as install_console
from ocop_shared.events.models import MARKETPLACE
from ocop_shared.web import create_service_app


def create_app(settings: MarketplaceSyncSettings | None = None) -> FastAPI:
    runtime = bootstrap(settings)
    app = create_service_app(
        runtime,
        title="OCOP marketplace sync",
        routers=[producers, listings],
        collections=["producers", "products", "listings"],
        emits=[MARKETPLACE],
        background=background(runtime),
        pages=[console_pages],
        description="Đưa sản phẩm OCOP lên sàn TMĐT (voso, postmart) và giữ đúng trạng thái.",
    )
    install_console(app, console)  # web console page /console/listings
    return app
