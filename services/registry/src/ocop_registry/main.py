"""Registry service: producers, products, evaluations, certificates, reports.
``uvicorn ocop_registry.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ocop_registry.api.certificates import router as certificates
from ocop_registry.api.councils import router as councils
from ocop_registry.api.dossiers import router as dossiers
from ocop_registry.api.imports import router as imports
from ocop_registry.api.migrations import router as migrations
from ocop_registry.api.producers import router as producers
from ocop_registry.api.products import router as products
from ocop_registry.api.reports import public
from ocop_registry.api.reports import router as reports
from ocop_registry.api.users import router as users
from ocop_registry.bootstrap import COLLECTIONS, RegistrySettings, bootstrap, expiry_job, on_startup
from ocop_registry.console import console
from ocop_registry.console import router as console_pages
from ocop_registry.console.common import STATIC_DIR, STATIC_PREFIX
from ocop_shared.console import install as install_console
from ocop_shared.events.models import REGISTRY
from ocop_shared.web import create_service_app


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    runtime = bootstrap(settings)
    app = create_service_app(
        runtime,
        title="OCOP registry",
        routers=[producers, products, certificates, reports, public, imports, users, migrations, dossiers, councils],
        collections=COLLECTIONS,
        on_startup=on_startup,
        emits=[REGISTRY],
        background=[expiry_job],
        pages=[console_pages],
        description="Chủ thể, sản phẩm, hồ sơ đánh giá, hội đồng, đánh giá và giấy chứng nhận OCOP. "
        "Source of certification events.",
    )
    install_console(app, console)  # web console at /console (sign-in, products, certificates, reports)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="registry-static")  # the dossier pages' JS
    return app
