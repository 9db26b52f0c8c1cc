"""Request-body limits, answered 413 before anything parses the body.

Every route takes at most ``OCOP_MAX_BODY_BYTES`` (default 1 MB: JSON bodies and console forms are small; the
largest, a growing area's outline, stays far below); routes that take files declare
``openapi_extra=UPLOAD`` and take up to ``OCOP_MAX_UPLOAD_BYTES`` (default 20 MB: an Excel list of 100,000
rows). A plain ASGI middleware: a ``Content-Length`` above the limit is answered at once, without reading a
byte of the body; a body without one (``Transfer-Encoding: chunked``) is counted as it streams and answered
413 as soon as it passes the limit, whatever the route was doing with it. Requests without a body cost one
look at the headers. Paths under an ``exempt`` prefix (EPCIS capture at ``/epcis``, which answers its own
GS1 limit and problem details) are left to their routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

UPLOAD: dict[str, Any] = {"x-body-limit": "upload"}
DEFAULT = "default"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Dữ liệu gửi lên quá lớn: tối đa {limit:,} byte".replace(",", "."))
        self.limit = limit


def too_large_body(limit: int) -> bytes:
    message = BodyTooLarge(limit).detail
    return json.dumps({"error": {"code": "body_too_large", "message": message}}, ensure_ascii=False).encode()


@dataclass(frozen=True)
class RouteInfo:
    regex: re.Pattern[str]
    methods: frozenset[str]
    extra: Mapping[str, Any]


def route_table(app: Any) -> list[RouteInfo]:
    """The app's routes with their methods and OpenAPI extensions, from its OpenAPI document (the routers
    FastAPI includes are not plain routes) plus the plain Starlette routes (the stamp URLs). Built once."""
    table: list[RouteInfo] | None = getattr(app.state, "route_table", None)
    if table is None:
        table = []
        for path, item in app.openapi().get("paths", {}).items():
            regex = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in item.items():
                if isinstance(operation, dict):
                    table.append(RouteInfo(regex, frozenset({method.upper()}), operation))  # no HEAD: not served
        for route in app.router.routes:
            plain, methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
            if plain is not None and methods:
                table.append(RouteInfo(plain, frozenset(methods), {}))
        app.state.route_table = table
    return table


def allowed_methods(app: Any, path: str) -> list[str]:
    """The methods the routes of ``path`` take (the ``Allow`` header of a 405)."""
    return sorted({m for info in route_table(app) if info.regex.match(path) for m in info.methods})


class BodyLimit:
    """ASGI middleware; ``app_of`` gives the FastAPI app whose routes declare their limit kind."""

    def __init__(
        self, app: Any, *, limits: Mapping[str, int], app_of: Callable[[], Any], exempt: tuple[str, ...] = ()
    ) -> None:
        self.app, self.limits, self._app_of, self.exempt = app, dict(limits), app_of, exempt

    def limit_for(self, path: str, method: str) -> int:
        for info in route_table(self._app_of()):
            kind = info.extra.get("x-body-limit")
            if kind and method in info.methods and info.regex.match(path):
                return self.limits[kind]
        return self.limits[DEFAULT]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (self.exempt and scope["path"].startswith(self.exempt)):
            return await self.app(scope, receive, send)
        declared: int | None = None
        streamed = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                declared = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                streamed = True
        if declared is None and not streamed:
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"], scope["method"])
        if declared is not None and declared > limit:
            return await refuse(send, limit)
        received = 0
        state = {"over": False, "started": False}

        async def counting_receive() -> Any:
            nonlocal received
            if state["over"]:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    state["over"] = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Any) -> None:
            if state["over"]:  # whatever the route made of the interruption, the answer is 413
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await refuse(send, limit)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not state["started"]:
                await refuse(send, limit)


async def refuse(send: Any, limit: int) -> None:
    body = too_large_body(limit)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
