"""national_sync: certified, ready products, their producers and their journeys on the national
traceability portal (Thông tư 02/2024/TT-BKHCN)."""

from __future__ import annotations

from fastapi import FastAPI

from ocop_national_sync.adapters.uow import COLLECTIONS
from ocop_national_sync.api.portal import router as portal
from ocop_national_sync.bootstrap import NationalSyncSettings, background, bootstrap, on_startup
from ocop_national_sync.console import console
from ocop_national_sync.console import router as console_pages
from ocop_shared.console import install as install_console
from ocop_shared.events.models import NATIONAL
from ocop_shared.web import create_service_app


def create_app(settings: NationalSyncSettings | None = None) -> FastAPI:
    runtime = bootstrap(settings)
    app = create_service_app(
        runtime,
        title="OCOP national portal sync",
        routers=[portal],
        collections=COLLECTIONS,
        on_startup=on_startup,
        emits=[NATIONAL],
        background=background(runtime),
        pages=[console_pages],
        description="Đưa chủ thể, sản phẩm OCOP và các công đoạn truy xuất lên Cổng truy xuất nguồn gốc quốc gia.",
    )
    install_console(app, console)
    return app
