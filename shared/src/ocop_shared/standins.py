"""Shared machinery of the stand-ins (simulated outside systems: the marketplace platforms, the national
traceability portal): storage, items, refusals, fault injection, rate limits, inspection."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import os
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field


class Faults(BaseModel):
    """Fault injection knobs (env ``OCOP_STANDIN_FAILURE_RATE`` etc., or ``POST /__admin/faults``)."""

    failure_rate: float = Field(default=0.0, ge=0, le=1, description="share of requests answered 500/503")
    timeout_rate: float = Field(default=0.0, ge=0, le=1, description="share of requests that hang")
    timeout_s: float = Field(default=30.0, ge=0, le=600)
    latency_ms: float = Field(default=0.0, ge=0, le=60_000)
    rate_limit: int = Field(default=50, ge=1, description="requests per window before 429")
    rate_window_s: float = Field(default=1.0, gt=0)

    @classmethod
    def from_env(cls) -> Faults:
        env = {
            k: os.environ[f"OCOP_STANDIN_{k.upper()}"]
            for k in cls.model_fields
            if f"OCOP_STANDIN_{k.upper()}" in os.environ
        }
        return cls.model_validate(env)


@dataclass
class Store:
    platform: str
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, str] = field(default_factory=dict)  # key → external id
    faults: Faults = field(default_factory=Faults.from_env)
    recent: deque = field(default_factory=deque)
    # Real platforms keep what sellers put there; with OCOP_STANDIN_STATE_FILE set (``ocop up`` sets it
    # under its data dir) a stand-in keeps its listings across restarts too. Without it: memory only.
    state_file: Path | None = field(
        default_factory=lambda: (
            Path(os.environ["OCOP_STANDIN_STATE_FILE"]) if os.environ.get("OCOP_STANDIN_STATE_FILE") else None
        )
    )

    def __post_init__(self) -> None:
        if self.state_file and self.state_file.exists():
            saved = json.loads(self.state_file.read_text())
            self.products, self.idempotency = saved["products"], saved["idempotency"]

    def save(self) -> None:
        if self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"products": self.products, "idempotency": self.idempotency}, ensure_ascii=False))
            os.replace(tmp, self.state_file)

    def new_id(self) -> str:
        return f"{self.platform[:2].upper()}-{uuid.uuid4().hex[:12]}"


def error(
    status: int, code: str, message: str, fields: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


class Refused(Exception):
    """A seller-API request the platform turns away before looking at it (bad token, bad signature)."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


class Rule(NamedTuple):
    """What a platform asks of one field of an item (``default`` stands for the field when it is absent), and
    what it says when the field fails."""

    check: Callable[[Any], bool]
    message: str
    default: Any = None


@dataclass(frozen=True)
class Catalogue:
    """A seller's items as both platforms keep them: by external id, replaced whole, removed softly (status
    ``removed``). Each platform names the id in its answers, has its own rules for an item's fields and
    answers a rejected item with its own status, code and message."""

    store: Store
    id_field: str  # "product_id", "item_id"
    noun: str  # in the 404 message: "No such product"
    rules: dict[str, Rule]
    rejection: tuple[int, str, str]
    url_field: str = "url"  # where answers give the item's public page (real platforms answer one)
    page: str = "/p"  # path of the public pages a shopper opens: <page>/<external id>
    title_field: str = "title"
    price_field: str = "price"

    def answer(self, external_id: str, request: Request) -> dict[str, Any]:
        return {
            self.id_field: external_id,
            **self.store.products[external_id],
            self.url_field: self.url(external_id, request),
        }

    def url(self, external_id: str, request: Request) -> str:
        """The shopper's page of an item: on ``OCOP_STANDIN_PUBLIC_URL`` when set, else on the host asked."""
        base = os.environ.get("OCOP_STANDIN_PUBLIC_URL") or str(request.base_url)
        return f"{base.rstrip('/')}{self.page}/{external_id}"

    def serve_pages(self, app: FastAPI) -> None:
        """What a shopper sees at an item's URL: a plain page saying it is a stand-in (404 once removed)."""

        @app.get(self.page + "/{external_id}", response_class=HTMLResponse, include_in_schema=False)
        async def shopper_page(external_id: str) -> HTMLResponse:
            item = self.store.products.get(external_id)
            platform = self.store.platform
            if item is None or item.get("status") != "active":
                body = f"<h1>Sản phẩm không còn bán</h1><p>{platform} stand-in (simulated)</p>"
                return HTMLResponse(_shop_page(platform, body), status_code=404)
            title, price = html.escape(str(item.get(self.title_field, ""))), item.get(self.price_field)
            price_text = f"{price:,} ₫".replace(",", ".") if isinstance(price, int) else ""
            body = f'<h1 id="item-title">{title}</h1><p class="price">{price_text}</p>'
            return HTMLResponse(_shop_page(platform, body))

    def rejected(self, body: Any) -> JSONResponse | None:
        """The platform's answer to a body it does not accept, with the fields at fault (None: accepted)."""
        if not isinstance(body, dict):
            fields = {"body": "must be a JSON object"}
        else:
            fields = {name: r.message for name, r in self.rules.items() if not r.check(body.get(name, r.default))}
        return error(*self.rejection, fields) if fields else None

    def add(self, body: dict[str, Any]) -> str:
        external_id = self.store.new_id()
        self.store.products[external_id] = {**body, "status": "active"}
        return external_id

    def not_found(self) -> JSONResponse:
        return error(404, "not_found", f"No such {self.noun}")

    def replace(self, external_id: str, body: Any, request: Request) -> dict[str, Any] | JSONResponse:
        if external_id not in self.store.products:
            return self.not_found()
        if rejected := self.rejected(body):
            return rejected
        self.store.products[external_id] = {**body, "status": "active"}
        return self.answer(external_id, request)

    def remove(self, external_id: str) -> dict[str, Any] | JSONResponse:
        if external_id not in self.store.products:
            return self.not_found()
        self.store.products[external_id]["status"] = "removed"
        return {self.id_field: external_id, "status": "removed"}

    def get(self, external_id: str, request: Request) -> dict[str, Any] | JSONResponse:
        if external_id not in self.store.products:
            return self.not_found()
        return self.answer(external_id, request)


def _shop_page(platform: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{platform} stand-in</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"></head>'
        f'<body><p role="note"><strong>STAND-IN</strong>: mô phỏng sàn {platform}, không phải {platform}.vn '
        f"(simulated platform for development and tests).</p>{body}</body></html>"
    )


def install(app: FastAPI, store: Store) -> None:
    """Faults and rate limits on every seller-API request; refusals answered; admin and inspection routes."""

    @app.exception_handler(Refused)
    async def refused(_request: Request, exc: Refused) -> JSONResponse:
        return exc.response

    @app.middleware("http")
    async def persist(request: Request, call_next):  # refused or injected-fault requests change nothing
        response = await call_next(request)
        if request.method not in ("GET", "HEAD") and response.status_code < 400 and store.state_file:
            store.save()
        return response

    @app.middleware("http")
    async def faults(request: Request, call_next):
        if request.url.path.startswith("/__") or request.url.path == "/healthz":
            return await call_next(request)
        f = store.faults
        now = time.monotonic()
        while store.recent and now - store.recent[0] > f.rate_window_s:
            store.recent.popleft()
        if len(store.recent) >= f.rate_limit:
            retry = max(1, round(f.rate_window_s - (now - store.recent[0]) + 0.5))
            return error(429, "rate_limited", "Too many requests", headers={"Retry-After": str(retry)})
        store.recent.append(now)
        if f.latency_ms:
            await asyncio.sleep(f.latency_ms / 1000)
        roll = random.random()
        if roll < f.timeout_rate:
            await asyncio.sleep(f.timeout_s)
        elif roll < f.timeout_rate + f.failure_rate:
            return error(random.choice((500, 502, 503)), "injected_fault", "Injected failure (stand-in)")
        return await call_next(request)

    admin = APIRouter(tags=["stand-in admin"])

    @admin.get("/healthz", summary="Liveness")
    async def healthz() -> dict:
        return {"status": "ok", "standin": store.platform}

    @admin.get("/__inspect/products", summary="What the platform holds (status active/removed)")
    async def inspect() -> list[dict]:
        return [{"external_id": k, **v} for k, v in store.products.items()]

    @admin.post("/__admin/faults", summary="Set fault injection knobs")
    async def set_faults(body: Faults) -> Faults:
        store.faults = body
        store.recent.clear()
        return store.faults

    @admin.delete("/__admin/products/{external_id}", summary="Delete a listing behind the seller's back")
    async def drop(external_id: str) -> dict:
        return {"deleted": store.products.pop(external_id, None) is not None}

    app.include_router(admin)


def standin_app(platform: str) -> tuple[FastAPI, Store]:
    """A stand-in's app, labelled as simulated, with its store (also ``app.state.store``, for the tests),
    faults, rate limits and admin routes; the platform's seller API is added to it."""
    app = FastAPI(title=f"{platform} stand-in (NOT the real {platform}.vn API)")
    store = Store(platform)
    install(app, store)
    app.state.store = store
    return app, store


@contextlib.asynccontextmanager
async def serve(apps: Sequence[FastAPI], host: str = "127.0.0.1") -> AsyncIterator[list[str]]:
    """Serve stand-in apps over real HTTP inside the current process (tests, benchmarks), each on a port the
    OS picks; yields their base URLs."""
    servers = [uvicorn.Server(uvicorn.Config(app, host=host, port=0, log_level="warning")) for app in apps]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        while not all(server.started for server in servers):
            if any(task.done() for task in tasks):  # uvicorn gave up (e.g. the host cannot be bound)
                raise RuntimeError("a stand-in did not start")
            await asyncio.sleep(0.02)
        yield [f"http://{host}:{server.servers[0].sockets[0].getsockname()[1]}" for server in servers]
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)
