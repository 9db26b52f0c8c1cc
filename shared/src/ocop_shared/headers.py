"""Security headers on every response of every service (one ASGI middleware, installed by the app factory).

- HTML pages get a Content-Security-Policy with no ``unsafe-inline`` script: scripts come from the service
  itself (``'self'``) or carry the per-response nonce (:func:`csp_nonce`, asked for by a template only when it
  has an inline ``<script>`` or ``<style>``); ``frame-ancestors 'none'`` (no clickjacking; ``X-Frame-Options:
  DENY`` for old browsers); forms post only to our own services; images also from https (product photos,
  map tiles); no plugins, no ``<base>``.
- Every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``,
  a ``Permissions-Policy`` that switches off what no page uses (camera, microphone, geolocation: the scan
  page takes a location only as ``?lat=&lon=`` the phone adds, it never asks the browser), and HSTS when the
  request came over https (directly or as the proxy's ``X-Forwarded-Proto`` says).
- Non-HTML answers (JSON, PDF, CSV) get ``default-src 'none'; frame-ancestors 'none'``: nothing in them may
  load or be framed.
- The OpenAPI pages (``/docs``, ``/redoc``) are FastAPI's: their initialising inline script and CDN assets are
  allowed there only (they show no data; the API behind them needs a bearer token).

A plain ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request, visible on the scan hot path).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

NONCE_KEY = "ocop.csp_nonce"
_MARK = "\0"  # stands for the nonce while the page policy is cut (no real nonce contains it)
# What no page of ours uses. If a page ever asks the browser for the location, allow it here: geolocation=(self).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), browsing-topics=()"
)
HSTS = "max-age=31536000"
DOC_PATHS = ("/docs", "/redoc")
DOC_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'"


@dataclass
class _Nonce:
    value: str | None = None


def csp_nonce(request: Request) -> str:
    """This response's CSP nonce (made on first use) for an inline ``<script nonce=…>`` or ``<style nonce=…>``."""
    holder = request.scope.get(NONCE_KEY)
    if holder is None:  # not behind the middleware (a bare app in a unit test): a nonce nobody checks
        holder = request.scope[NONCE_KEY] = _Nonce()
    if holder.value is None:
        holder.value = secrets.token_urlsafe(16)
    return holder.value


def origins(urls: Iterable[str]) -> list[str]:
    """scheme://host[:port] of each URL (what a CSP source list takes)."""
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc and f"{parts.scheme}://{parts.netloc}" not in out:
            out.append(f"{parts.scheme}://{parts.netloc}")
    return out


@dataclass(frozen=True)
class Policy:
    """The page policy; ``form_targets``: the other services a console form posts to (sign-out on the registry)."""

    form_targets: tuple[str, ...] = ()
    img_sources: tuple[str, ...] = ("data:", "https:")
    extra: dict[str, str] = field(default_factory=dict)

    def html(self, nonce: str | None) -> str:
        n = f" 'nonce-{nonce}'" if nonce else ""
        directives = {
            "default-src": "'self'",
            "script-src": f"'self'{n}",
            "style-src": f"'self'{n}",
            # style="…" attributes cannot run code; the <style> elements need the nonce (see docs/security.md)
            "style-src-attr": "'unsafe-inline'",
            "img-src": " ".join(("'self'", *self.img_sources)),
            "connect-src": "'self'",
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": " ".join(("'self'", *self.form_targets)),
            "frame-ancestors": "'none'",
            **self.extra,
        }
        return "; ".join(f"{k} {v}" for k, v in directives.items())


class SecurityHeaders:
    def __init__(self, app: Any, policy: Policy) -> None:
        self.app, self.policy = app, policy
        # the page policy cut where the nonce goes: built once, joined per response
        self._page_parts = policy.html(_MARK).split(f" 'nonce-{_MARK}'")

    def page_policy(self, nonce: str | None) -> str:
        return (f" 'nonce-{nonce}'" if nonce else "").join(self._page_parts)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        holder = _Nonce()
        scope[NONCE_KEY] = holder
        https = scope.get("scheme") == "https" or any(
            k == b"x-forwarded-proto" and v.split(b",")[0].strip().lower() == b"https"
            for k, v in scope.get("headers", ())
        )
        path = scope.get("path", "")

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if path in DOC_PATHS or path.startswith("/docs/"):
                    csp = DOC_POLICY
                elif content_type.startswith(b"text/html"):
                    csp = self.page_policy(holder.value)
                else:
                    csp = NON_HTML_POLICY
                present = {k.lower() for k, _ in headers}
                added = [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if https:
                    added.append((b"strict-transport-security", HSTS.encode()))
                message["headers"] = headers + [(k, v) for k, v in added if k not in present]
            await send(message)

        await self.app(scope, receive, send_wrapper)


def install_security_headers(app: Any, *, form_targets: Iterable[str] = ()) -> None:
    app.add_middleware(SecurityHeaders, policy=Policy(form_targets=tuple(origins(form_targets))))


__all__ = ["Policy", "SecurityHeaders", "csp_nonce", "install_security_headers", "origins"]
