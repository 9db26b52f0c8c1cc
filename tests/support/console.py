"""Console users and browser-like HTTP sessions (own cookie jar, CSRF token read from the form)."""

from __future__ import annotations

import re
import uuid

import httpx

from conftest import auth
from ocop_shared.console import CSRF_COOKIE, SESSION_COOKIE

OPERATOR = auth("operator")
PASSWORD = "mat-khau-Bac-Kan-2025"


async def add_user(apps, role: str, *, producer_id: str | None = None, provinces=()) -> str:
    username = f"{role[:4]}-{uuid.uuid4().hex[:8]}"
    r = await apps["registry"].post(
        "/api/v1/users",
        headers=OPERATOR,
        json={
            "username": username,
            "password": PASSWORD,
            "role": role,
            "producer_id": producer_id,
            "provinces": list(provinces),
        },
    )
    assert r.status_code == 201, r.text
    assert "password" not in r.text and "hash" not in r.text
    return username


def browser(apps, service: str, scheme: str = "http") -> httpx.AsyncClient:
    """A client with its own cookie jar, like one browser (the ASGI app of ``service``)."""
    app = apps[service]._transport.app
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url=f"{scheme}://127.0.0.1",
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/console/login")
    assert page.status_code == 200
    return await client.post(
        "/console/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )


def set_cookie(client: httpx.AsyncClient, name: str, value: str) -> None:
    client.cookies.delete(name)
    client.cookies.set(name, value, domain="127.0.0.1")


def share_cookies(source: httpx.AsyncClient, target: httpx.AsyncClient) -> None:
    """Cookies are not port-isolated: what the registry set is sent to traceability on the same host."""
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        if source.cookies.get(name):
            set_cookie(target, name, source.cookies.get(name))
