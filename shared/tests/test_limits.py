"""The body limit answers 413 before the body is read: a declared Content-Length over the limit never reaches
the route, and a streamed body stops being read once it passes the limit."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI, Request

from ocop_shared.limits import UPLOAD, BodyLimit, allowed_methods

LIMITS = {"default": 1_000, "upload": 10_000}


def make_app() -> FastAPI:
    app = FastAPI()

    @app.post("/small")
    async def small(request: Request) -> dict:
        return {"read": len(await request.body())}

    @app.post("/files", openapi_extra=UPLOAD)
    async def files(request: Request) -> dict:
        return {"read": len(await request.body())}

    @app.get("/small")
    async def read() -> dict:
        return {}

    return app


async def call(path: str, chunks: list[bytes], declared: int | None) -> tuple[int, dict, int]:
    """Status, JSON answer and how many body messages the app pulled."""
    app = make_app()
    guarded = BodyLimit(app, limits=LIMITS, app_of=lambda: app)
    headers = [(b"content-type", b"application/json")]
    headers.append(
        (b"content-length", str(declared).encode()) if declared is not None else (b"transfer-encoding", b"chunked")
    )
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b"", "root_path": ""}
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        pulled += 1
        body = chunks[pulled - 1] if pulled <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": pulled < len(chunks)}

    async def send(message):
        sent.append(message)

    await guarded(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), pulled


async def test_a_declared_length_over_the_limit_is_refused_unread():
    status, body, pulled = await call("/small", [b"x" * 10], declared=10**9)
    assert status == 413 and body["error"]["code"] == "body_too_large" and pulled == 0


async def test_a_streamed_body_stops_being_read_past_the_limit():
    status, body, pulled = await call("/small", [b"x" * 400] * 100, declared=None)
    assert (
        status == 413 and body["error"]["code"] == "body_too_large" and pulled == 3
    )  # 1,200 bytes > 1,000: the fourth chunk is never asked for


@pytest.mark.parametrize(
    ("path", "size", "expected"), [("/small", 900, 200), ("/files", 9_000, 200), ("/files", 11_000, 413)]
)
async def test_each_route_has_its_limit(path, size, expected):
    status, body, _ = await call(path, [b"x" * size], declared=size)
    assert status == expected
    if expected == 200:
        assert body == {"read": size}


def test_allow_lists_the_methods_of_a_path():
    app = make_app()
    assert allowed_methods(app, "/small") == ["GET", "POST"]
    assert allowed_methods(app, "/files") == ["POST"]
