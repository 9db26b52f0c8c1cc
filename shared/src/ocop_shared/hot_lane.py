"""The hot lane: GET requests for the few routes a service names hot (traceability: the URLs printed in
stamps, scanned by every phone) skip the framework layers they do not use.

A request on a hot route goes through the service's own middlewares (caller, security headers, trace
context and latency; not the body limit: a GET handler here reads no body) straight to the route's
function. It skips FastAPI's and Starlette's error, telemetry, body-limit, exception and exit-stack layers
and the route table walk: about a third of a scan's CPU in the ASGI app (``bench/scan.py``). Every other
request, and any method but GET/HEAD on a hot route, takes the usual way. An exception raised by a hot
route is answered by the application's own exception handlers, as on the usual way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Match, Route

from ocop_shared.limits import BodyLimit

_SKIPPED: tuple[type, ...] = (BodyLimit,)
_METHODS = ("GET", "HEAD")


class ServiceApp(FastAPI):
    """FastAPI with a hot lane for ``hot_routes`` (plain Starlette routes whose endpoint is an async function
    of the request; they stay in the route table too, for the other methods and for the documentation)."""

    hot_routes: Sequence[Route] = ()
    _hot: Any = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in _METHODS:
            for route in self.hot_routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    scope["app"], scope["route"] = self, route
                    if self._hot is None:
                        self._hot = self._hot_stack()
                    return await self._hot(scope, receive, send)
        await super().__call__(scope, receive, send)

    def _hot_stack(self) -> Any:
        app: Any = self._hot_endpoint
        middleware: list[Middleware] = list(self.user_middleware)
        for cls, args, kwargs in reversed(middleware):
            if cls not in _SKIPPED:
                app = cls(app, *args, **kwargs)
        return app

    async def _hot_endpoint(self, scope, receive, send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await scope["endpoint"](request)
        except Exception as exc:
            handlers: dict[Any, Any] = self.exception_handlers  # the application's: all async here
            handler = next((handlers[c] for c in type(exc).__mro__ if c in handlers), None)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
