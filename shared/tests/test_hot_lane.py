"""The hot lane: a hot route's GET skips the framework layers, keeps the service's middlewares and error
handlers; everything else takes the usual way."""

from __future__ import annotations

import httpx
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ocop_shared.hot_lane import ServiceApp
from ocop_shared.limits import BodyLimit


class Tag:
    """A service middleware: says on each answer that it ran."""

    def __init__(self, app, name: str) -> None:
        self.app, self.name = app, name

    async def __call__(self, scope, receive, send):

        async def tagged(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-tag", self.name.encode())]
            await send(message)

        await self.app(scope, receive, tagged if scope["type"] == "http" else send)


class Boom(Exception):
    pass


async def stamp(request):
    if request.path_params["serial"] == "boom":
        raise Boom
    return PlainTextResponse(f"{request.path_params['serial']} via {request.scope['route'].path}")


def make_app() -> tuple[ServiceApp, list[str]]:
    seen: list[str] = []
    app = ServiceApp(telemetry={"tracing": False, "metrics": False, "logs": False})
    app.add_middleware(BodyLimit, limits={"default": 10}, app_of=lambda: app, exempt=())
    app.add_middleware(Tag, name="service")
    hot = Route("/S/{serial}", stamp, methods=["GET"])
    app.hot_routes = [hot]
    app.router.routes.insert(0, hot)

    @app.exception_handler(Boom)
    async def boom(_request, _exc):
        return JSONResponse({"error": {"code": "boom"}}, status_code=418)

    original = app._hot_endpoint

    async def spy(scope, receive, send):
        seen.append(scope["path"])
        await original(scope, receive, send)

    app._hot_endpoint = spy  # type: ignore[method-assign]

    @app.get("/other")
    async def other():
        return {"ok": True}

    return app, seen


async def call(app, method: str, path: str, **kw) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.request(method, path, **kw)


async def test_a_hot_get_skips_the_framework_and_keeps_the_service_middlewares():
    app, seen = make_app()
    r = await call(app, "GET", "/S/ABC123")
    assert r.status_code == 200 and r.text == "ABC123 via /S/{serial}"
    assert r.headers["x-tag"] == "service"
    assert seen == ["/S/ABC123"]


async def test_a_hot_route_error_is_answered_by_the_applications_handler():
    app, seen = make_app()
    r = await call(app, "GET", "/S/boom")
    assert r.status_code == 418 and r.json() == {"error": {"code": "boom"}}
    assert r.headers["x-tag"] == "service" and seen == ["/S/boom"]


async def test_other_methods_and_routes_take_the_usual_way():
    app, seen = make_app()
    r = await call(app, "POST", "/S/ABC123", content=b"x" * 100)
    assert r.status_code in (405, 413) and r.headers["x-tag"] == "service"
    r = await call(app, "GET", "/other")
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert seen == []
