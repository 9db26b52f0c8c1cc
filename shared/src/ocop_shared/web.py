"""FastAPI application factory every service uses: lifespan wiring, health, metrics, errors, AsyncAPI.

One composition path for all three services: :class:`Runtime` holds the clients (Mongo, Kafka via a
FastStream ``KafkaRouter``), the outbox relay, the token keys (the registry's key ring, or the public keys
the others verify with) and the host's local secret; a service passes its routers and a ``setup`` callback
that creates indexes and registers its event subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from pydantic import ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from ocop_shared.audit import AUDIT, ensure_audit_indexes
from ocop_shared.audit_api import router as audit_router
from ocop_shared.auth import load_or_create_key
from ocop_shared.consumer import EventConsumer, Waits, attach_all
from ocop_shared.errors import AppError
from ocop_shared.events.envelope import CloudEvent, utcnow
from ocop_shared.events.models import REGISTRY
from ocop_shared.headers import install_security_headers
from ocop_shared.hot_lane import ServiceApp
from ocop_shared.kafka import GROUPS, all_topics, ensure_topics
from ocop_shared.keys import KeyRing, RemoteKeys, TokenKeys
from ocop_shared.limits import BodyLimit, allowed_methods
from ocop_shared.logging import bind_contextvars, configure_logging, get_logger, reset_contextvars
from ocop_shared.mongo import (
    end_abandoned_transaction,
    ensure_collections,
    make_client,
    ping,
    set_transaction_journal,
    settle_transactions,
)
from ocop_shared.openapi import Patch, returns
from ocop_shared.openapi import install as install_openapi
from ocop_shared.outbox import OutboxRelay, ensure_outbox_indexes
from ocop_shared.pauses import tune_collector, watch_loop_lag
from ocop_shared.sessions import REVOKED, Caller, RevokedSessions, follow_revocations
from ocop_shared.settings import ServiceSettings
from ocop_shared.tracing import new_traceparent, parse, reset_traceparent, set_traceparent
from ocop_shared.uow import MongoUnitOfWork
from ocop_shared.validation import RULE_CODES

log = get_logger(__name__)

HTTP_LATENCY = Histogram("ocop_http_request_seconds", "HTTP request latency", ["service", "method", "route", "status"])


@dataclass(kw_only=True)
class Runtime:
    """The composition root's product: everything a use case or subscriber needs, nothing global.

    Each service declares its own subclass with its extra parts as typed fields (no attribute is added at
    run time) and its unit of work class; ``build_runtime(settings, cls=..., **parts)`` makes it.
    """

    uow_class: ClassVar[type[MongoUnitOfWork]] = MongoUnitOfWork

    settings: ServiceSettings
    client: AsyncMongoClient
    db: AsyncDatabase
    broker: KafkaBroker
    relay: OutboxRelay
    secret_key: str  # the host's local secret: CSRF tokens, the scan page's salt (never tokens)
    token_keys: TokenKeys  # what tokens are verified with
    key_ring: KeyRing | None = None  # the signing keys: the registry only
    consumers: dict[str, EventConsumer] = field(default_factory=dict)
    attached: bool = False

    @property
    def jwt_key(self) -> str:
        """Older name of :attr:`secret_key` (it no longer has anything to do with tokens)."""
        return self.secret_key

    @property
    def source(self) -> str:
        return f"/ocop/{self.settings.service_name}"

    def uow(self) -> Any:
        """A new unit of work (its own transaction) of this service's class."""
        return self.uow_class(self.client, self.db, source=self.source, on_commit=self.relay.wake)

    def uow_in(self, session: AsyncClientSession) -> Any:
        """A unit of work inside a transaction someone else owns (a consumer's inbox batch)."""
        return self.uow_class.joined(self.client, self.db, session, source=self.source, on_commit=self.relay.wake)

    def consumer(self, topic: str) -> EventConsumer:
        """The (single) consumer of this service on ``topic``, created on first use; all of them are
        attached as one group member when the service starts (:meth:`attach_consumers`)."""
        if topic not in self.consumers:
            if self.attached:
                raise RuntimeError(f"consumer of {topic} asked for after the subscribers were attached")
            consumer = EventConsumer(
                topic,
                self.client,
                self.db,
                self._publish_dlq,
                max_bytes=self.settings.max_event_bytes,
                name=self.settings.service_name,
            )
            self.consumers[topic] = consumer
        return self.consumers[topic]

    def attach_consumers(self) -> None:
        """One subscriber for every topic this service reads (once, before the broker starts)."""
        if self.consumers and not self.attached:
            name = self.settings.service_name
            attach_all(
                self.broker,
                list(self.consumers.values()),
                GROUPS[name],
                title=f"{name}:{','.join(self.consumers)}",
                waits=Waits(
                    self.settings.consumer_fetch_wait_ms,
                    self.settings.consumer_batch_wait_ms,
                    self.settings.consumer_session_timeout_ms,
                    self.settings.consumer_heartbeat_ms,
                ),
            )
        self.attached = True

    async def _publish_dlq(self, topic: str, body: bytes, headers: dict[str, str], key: bytes | None) -> None:
        await self.broker.publish(body, topic=topic, key=key, headers=headers)


def runtime_parts(settings: ServiceSettings) -> dict[str, Any]:
    """The parts every runtime has (clients, relay, key), for a service that builds more parts from them."""
    client = make_client(settings.mongo_url)
    db = client[settings.mongo_db]
    broker = KafkaBroker(
        settings.kafka_bootstrap,
        acks="all",
        graceful_timeout=settings.consumer_stop_grace_s,  # FastStream's default, 15 s, outlasts any stop budget
        client_id=f"ocop-{settings.service_name}",
        description=f"OCOP {settings.service_name} events",
        logger=None,
    )
    relay = OutboxRelay(
        db,
        settings.kafka_bootstrap,
        client_id=f"ocop-{settings.service_name}-relay",
        batch_size=settings.relay_batch_size,
        idle_wait_s=settings.relay_idle_wait_s,
        confirm_interval_s=settings.relay_confirm_interval_s,
    )
    set_transaction_journal(Path(settings.data_dir) / "transactions")
    secret = settings.secret_key or settings.jwt_secret or load_or_create_key(settings.data_dir)
    parts = {"settings": settings, "client": client, "db": db, "broker": broker, "relay": relay, "secret_key": secret}
    return parts | token_parts(settings)


def token_parts(settings: ServiceSettings) -> dict[str, Any]:
    """The registry signs (its key ring, created on first use); the others verify with configured keys or the
    registry's JWKS (fetched in the background, cached in the data dir)."""
    if settings.jwt_signer:
        ring = KeyRing.load_or_create(settings.jwt_key_dir or Path(settings.data_dir) / "jwt")
        return {"key_ring": ring, "token_keys": ring.verifier()}
    if settings.jwt_public_keys:
        return {"token_keys": TokenKeys.configured(settings.jwt_public_keys)}
    url = settings.jwks_url or f"{settings.registry_public_url.rstrip('/')}/.well-known/jwks.json"
    cache = Path(settings.data_dir) / "jwks" / f"{settings.service_name}.json"
    return {"token_keys": RemoteKeys(url, cache, refresh_s=settings.jwks_refresh_s)}


def build_runtime(settings: ServiceSettings, cls: type[Runtime] = Runtime, **parts: Any) -> Any:
    """The service's runtime: the common parts plus ``parts`` (the fields its subclass declares)."""
    return cls(**runtime_parts(settings), **parts)


def runtime_of(request: Request) -> Any:
    """FastAPI dependency: the app's runtime (each service annotates it with its own Runtime class)."""
    return request.app.state.runtime


Setup = Callable[[Runtime], Awaitable[None]]


async def _connect_broker(runtime: Runtime) -> None:
    """Create the topics and start the subscribers, retrying (0.5 s doubling to 10 s) until the broker
    answers."""
    delay = 0.5
    while True:
        try:
            await ensure_topics(runtime.settings.kafka_bootstrap, all_topics())
            await runtime.broker.start()
            return
        except Exception as exc:  # noqa: BLE001 - unreachable broker: keep serving, retry
            log.warning("broker.unreachable", error=repr(exc), retry_in_s=delay)
            with contextlib.suppress(Exception):
                await runtime.broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


#: How long each part of a stop may take (seconds; 4.5 in all, so a service stops within 5 s whatever is in
#: flight). Consumers finish the batch in hand (``consumer_stop_grace_s``), then leave their group; the relay
#: finishes the batch it is publishing. Anything cut short is redone after the next start: an unfinished
#: batch is not committed (its offsets neither; its transaction is ended before the client closes), so Kafka
#: redelivers it and the inbox dedupes; an outbox row not yet marked sent is published again.
STOP_BUDGET_S = {
    "consumers": 2.2,
    "relay": 1.0,
    "background": 0.5,
    "keys": 0.2,
    "transactions": 0.3,
    "database": 0.3,
}


async def _stop(runtime: Runtime, tasks: Sequence[asyncio.Task]) -> None:
    """Stop the service's parts in order, each within its budget; log how long each took."""
    took: dict[str, float] = {}

    async def step(name: str, work: Awaitable[Any]) -> None:
        start = time.perf_counter()
        try:
            await asyncio.wait_for(work, STOP_BUDGET_S[name])
        except TimeoutError:
            log.warning("service.stop_cut_short", step=name, budget_s=STOP_BUDGET_S[name])
        except Exception as exc:  # noqa: BLE001 - stopping goes on whatever one part says
            log.warning("service.stop_failed", step=name, error=repr(exc))
        took[name] = round(time.perf_counter() - start, 3)

    for task in tasks:  # the broker connection and the background loops: their next await ends them
        task.cancel()
    await step("consumers", runtime.broker.stop())
    await step("relay", runtime.relay.stop())
    await step("background", asyncio.gather(*tasks, return_exceptions=True))
    await step("keys", runtime.token_keys.stop())
    # a consumer batch the consumers' step cut short may still be inside its transaction: end it first
    await step("transactions", settle_transactions(runtime.client, runtime.db.name))
    await step("database", runtime.client.close())
    log.info("service.stopped", took_s=took)


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    on_startup: Setup | None = None,
    background: Sequence[Callable[[Runtime], Any]] = (),
    emits: Sequence[str] = (),
    collections: Sequence[str] = (),
    pages: Sequence[APIRouter] = (),
    openapi_patches: Sequence[Patch] = (),
    own_body_limits: Sequence[str] = (),
    hot_routes: Sequence[Route] = (),
) -> FastAPI:
    """``hot_routes`` (plain Starlette routes) are matched before every other route and their GET requests take
    the hot lane (:mod:`ocop_shared.hot_lane`)."""
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if await end_abandoned_transaction(runtime.client, runtime.db.name):
            log.warning("mongo.abandoned_transaction_ended", db=runtime.db.name)
        await ensure_collections(runtime.db, ["outbox", "inbox", "relay_state", AUDIT, REVOKED, *collections])
        await ensure_outbox_indexes(runtime.db)
        await ensure_audit_indexes(runtime.db)
        if on_startup:
            await on_startup(runtime)
        await runtime.token_keys.start()
        await runtime.relay.start()
        # Subscribers start consuming only once everything above is ready. A broker that is down does not
        # stop the service from starting: the API keeps accepting writes (they wait in the outbox) and the
        # connection is retried in the background; /healthz says "degraded" meanwhile.
        runtime.attach_consumers()
        connect = asyncio.create_task(_connect_broker(runtime), name="broker-connect")
        await asyncio.wait([connect], timeout=5)
        tasks = [fn(runtime) for fn in (*background, _pruner)]
        tune_collector(settings.gc_tuning)  # start-up is over: what is alive now stays (ocop_shared.pauses)
        tasks.append(watch_loop_lag())
        log.info("service.started", port=settings.port, broker="connected" if connect.done() else "retrying")
        try:
            yield {"runtime": runtime}
        finally:
            await _stop(runtime, [connect, *(t for t in tasks if isinstance(t, asyncio.Task))])

    broker = runtime.broker
    if runtime.key_ring is None:  # a service that only verifies keeps the registry's list of ended sessions
        follow_revocations(runtime.consumer(REGISTRY), runtime.db)
    for topic in emits:  # documentation only: the outbox relay does the publishing
        broker.publisher(
            topic,
            title=f"{settings.service_name}:{topic}",
            schema=CloudEvent,
            description="CloudEvents 1.0 structured JSON; payload schemas in shared/schemas/v1",
        )
    # FastAPI's OpenTelemetry hooks off: tracing is our own W3C trace context (_TraceAndTime), and asking
    # whether a provider is configured cost every request a few microseconds
    app = ServiceApp(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.hot_routes = list(hot_routes)
    app.state.runtime = runtime
    app.state.secret_key = runtime.secret_key
    app.state.jwt_issuer = settings.jwt_issuer
    install_error_handlers(app)
    install_body_limits(app, settings.body_limits, exempt=tuple(own_body_limits))
    install_observability(app, settings.service_name)
    install_openapi(app, openapi_patches)
    # CSP, nosniff, frame-ancestors, Referrer-Policy, Permissions-Policy, HSTS on https (ocop_shared.headers)
    install_security_headers(
        app,
        form_targets=(settings.registry_public_url, settings.traceability_public_url, settings.marketplace_public_url),
    )
    app.add_middleware(Caller, runtime=runtime)  # verified caller and network prefix, for every route

    health = APIRouter()

    @health.get(
        "/healthz",
        tags=["ops"],
        summary="Broker and database reachable",
        responses=returns("application/json", status=503, description="degraded: a check is down"),
    )
    async def healthz() -> JSONResponse:
        db_ok = await ping(runtime.client)
        try:
            broker_ok = bool(await broker.ping(timeout=2.0))
        except Exception:  # noqa: BLE001
            broker_ok = False
        ok = db_ok and broker_ok
        body = {
            "status": "ok" if ok else "degraded",
            "service": settings.service_name,
            "checks": {"database": "ok" if db_ok else "down", "broker": "ok" if broker_ok else "down"},
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @health.get(
        "/readyz",
        tags=["ops"],
        summary="Can serve requests: the database answers (the broker may be down: writes wait in the outbox)",
        responses=returns("application/json", status=503, description="unavailable: the database is down"),
    )
    async def readyz() -> JSONResponse:
        db_ok = await ping(runtime.client)
        return JSONResponse(
            {"status": "ok" if db_ok else "unavailable", "checks": {"database": "ok" if db_ok else "down"}},
            status_code=200 if db_ok else 503,
        )

    @health.get("/livez", tags=["ops"], summary="The process answers (no dependency checked)")
    async def livez() -> dict:
        return {"status": "ok"}

    @health.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @health.get(
        "/asyncapi",
        tags=["ops"],
        summary="AsyncAPI 3.0 document of this service's events",
        response_class=JSONResponse,
        responses=returns("application/json", schema={"type": "object"}),
    )
    async def asyncapi() -> Response:
        spec = AsyncAPI(broker, title=title, version="1.0.0", description=description).to_specification()
        return Response(spec.to_json(), media_type="application/json")

    if runtime.key_ring is not None:
        ring = runtime.key_ring

        @health.get(
            "/.well-known/jwks.json",
            tags=["ops"],
            summary="Public keys that verify this system's tokens (RFC 7517): signing, next and previous",
            responses=returns("application/jwk-set+json"),
        )
        async def jwks() -> JSONResponse:
            return JSONResponse(
                ring.jwks(), headers={"Cache-Control": "public, max-age=300"}, media_type="application/jwk-set+json"
            )

    for r in pages:  # public pages at the root (the URLs printed in QR stamps): matched first, they are hot
        app.include_router(r)
    app.include_router(health)
    for r in (*routers, audit_router):  # every service answers GET /api/v1/audit for its own trail
        app.include_router(r, prefix="/api/v1")
    app.router.routes[0:0] = list(hot_routes)
    return app


async def prune(runtime: Runtime) -> None:
    """Forget audit entries past the retention (``OCOP_AUDIT_RETENTION_DAYS``) and revocations of sessions that
    have expired anyway."""
    now = utcnow().timestamp()
    await runtime.db[AUDIT].delete_many({"ts": {"$lt": now - runtime.settings.audit_retention_days * 86400}})
    await RevokedSessions(runtime.db).prune(now)


def _pruner(runtime: Runtime) -> asyncio.Task:
    """:func:`prune` at start-up, then every hour."""

    async def loop() -> None:
        while True:
            with contextlib.suppress(Exception):
                await prune(runtime)
            await asyncio.sleep(3600)

    return asyncio.create_task(loop(), name="audit-prune")


def install_error_handlers(app: FastAPI) -> None:
    def body(code: str, message: str, details: Any = None) -> dict:
        err: dict[str, Any] = {"code": code, "message": message}
        if details is not None:
            err["details"] = details
        return {"error": err}

    @app.exception_handler(AppError)
    async def app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            body(exc.code, exc.message, exc.details),
            status_code=exc.status,
            headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers,
        )

    def invalid_input(errors: Sequence[Any], hidden: tuple[str, ...] = ()) -> JSONResponse:
        """422 naming each field at fault (the first 50); ``hidden``: location parts not worth naming."""
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p not in hidden),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in errors
        ][:50]
        kinds = {d["type"] for d in details}
        # one named rule at fault (a GTIN check digit, a tax code): its code, as the domain error would answer
        code = kinds.pop() if len(kinds) == 1 and next(iter(kinds)) in RULE_CODES else "validation_error"
        message = details[0]["message"] if code != "validation_error" else "Dữ liệu không hợp lệ / invalid input"
        return JSONResponse(body(code, message, details), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid_input(exc.errors(), hidden=("body",))

    @app.exception_handler(ValidationError)
    async def model_error(_request: Request, exc: ValidationError) -> JSONResponse:
        return invalid_input(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not just those of the first route matched
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return JSONResponse(body(code, str(exc.detail)), status_code=exc.status_code, headers=headers or None)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unhandled", error=repr(exc))
        return JSONResponse(body("internal", "Lỗi hệ thống / internal error"), status_code=500)


HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def install_body_limits(app: FastAPI, limits: dict[str, int], exempt: tuple[str, ...] = ()) -> None:
    """413 for bodies larger than their route takes (``ocop_shared.limits``), before anything parses them;
    paths under ``exempt`` prefixes enforce limits of their own."""
    app.add_middleware(BodyLimit, limits=limits, app_of=lambda: app, exempt=exempt)


def install_observability(app: FastAPI, service: str) -> None:
    """W3C trace context in, ``traceparent`` out, latency histogram: a plain ASGI middleware (Starlette's
    BaseHTTPMiddleware costs a task and a stream per request, visible on the scan hot path)."""
    app.add_middleware(_TraceAndTime, service=service)


class _TraceAndTime:
    def __init__(self, app, service: str) -> None:
        self.app, self.service = app, service
        self._series: dict[tuple[str, str, str], Any] = {}  # labels() locks and builds a key: ~10 µs per request

    def _observe(self, method: str, route: str, status: str, seconds: float) -> None:
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[(method, route, status)] = HTTP_LATENCY.labels(self.service, method, route, status)
        series.observe(seconds)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"traceparent"), None)
        parsed = parse(incoming)
        traceparent = new_traceparent(parsed[0] if parsed else None)
        token = set_traceparent(traceparent)
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"traceparent", traceparent.encode())]
            await send(message)

        bound = bind_contextvars(trace_id=traceparent[3:35])  # tokens, cheaper than the context manager
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            reset_contextvars(**bound)
            reset_traceparent(token)
            route = scope.get("route")
            self._observe(
                scope.get("method", ""),
                getattr(route, "path", "unmatched"),
                str(status["code"]),
                time.perf_counter() - start,
            )
