"""The web console's shared look and plumbing: one base template, CSS and a little JS, the Jinja
environment with Vietnamese date/number filters, the session cookie and CSRF protection.

Each service serves its own pages under ``/console/...`` (the service that owns the data renders it) and
calls :func:`install` once. The session is the same JWT the API accepts as a bearer token, kept in an
HTTP-only, SameSite=Lax cookie; cookies are not port-isolated, so the one cookie the registry's login
sets is sent to every service of the host. Every POST form carries a CSRF token (signed double submit:
the token is in a cookie and in the form, and its signature is checked with the service key).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocop_shared.addresses import describe
from ocop_shared.auth import Principal, decode_token, token_keys
from ocop_shared.errors import AppError, Forbidden
from ocop_shared.headers import csp_nonce
from ocop_shared.sessions import SESSION_COOKIE, SESSION_KEY
from ocop_shared.vocabulary import (
    CERT_STATUS,
    GROUP_NAMES,
    ROLE_NAMES,
    SERVICE_NAMES,
    days_until,
    stars,
    vndate,
    vndatetime,
    vnnumber,
)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"  # the console layout and page_base.html, the skeleton of every HTML page
CSRF_COOKIE = "ocop_csrf"
CSRF_FIELD = "csrf_token"
PREFIX = "/console"


class LoginRequired(Exception):
    """No valid session: a page answers a redirect to the login form, a script call 401."""


class CsrfRejected(AppError, status=403, code="csrf_rejected"): ...


@dataclass(frozen=True)
class NavEntry:
    """One link of a service's own navigation (each service declares its entries)."""

    path: str  # under /console of the declaring service
    label: str
    roles: tuple[str, ...] = ("official", "operator", "producer")


AUDIT_NAV = NavEntry("/audit", "Nhật ký thao tác", ("official", "operator"))


# -- sessions and CSRF -------------------------------------------------------------------------------


def principal_of(request: Request) -> Principal | None:
    """The signed-in user (the session cookie's JWT, verified and checked against ended sessions by the
    ``ocop_shared.sessions.Caller`` middleware), or None."""
    if SESSION_KEY in request.scope:
        return request.scope[SESSION_KEY]
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return decode_token(token_keys(request), token, request.app.state.jwt_issuer)
    except AppError:
        return None


def require_user(request: Request, *roles: str) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise LoginRequired()
    if roles and principal.role not in roles:
        raise Forbidden("forbidden_role", "Tài khoản của bạn không được dùng trang này")
    return principal


def _sign(key: str, nonce: str) -> str:
    return hmac.new(key.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf(key: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(key, nonce)}"


def csrf_valid(key: str, token: str | None) -> bool:
    if not token or "." not in token:
        return False
    nonce, sig = token.rsplit(".", 1)
    return hmac.compare_digest(sig, _sign(key, nonce))


def csrf_token(request: Request) -> str:
    """This browser's token (from its cookie when valid, else a new one that the response will set)."""
    if not hasattr(request.state, "csrf"):
        current = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = (
            current if csrf_valid(request.app.state.secret_key, current) else new_csrf(request.app.state.secret_key)
        )
    return request.state.csrf


async def form_of(request: Request) -> dict[str, str]:
    """The submitted form, after checking its CSRF token against the cookie (403 otherwise)."""
    form = await request.form()
    sent, cookie = form.get(CSRF_FIELD), request.cookies.get(CSRF_COOKIE)
    if not (
        isinstance(sent, str)
        and cookie
        and hmac.compare_digest(sent, cookie)
        and csrf_valid(request.app.state.secret_key, cookie)
    ):
        raise CsrfRejected(
            message="Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và gửi lại."
        )
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def secure_cookies(request: Request) -> bool:
    setting = str(getattr(request.app.state.runtime.settings, "cookie_secure", "auto")).lower()
    if setting in ("true", "1", "yes"):
        return True
    if setting in ("false", "0", "no"):
        return False
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto == "https"


def set_session(response: Response, request: Request, token: str, ttl: timedelta) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))


def _set_csrf_cookie(response: Response, request: Request) -> None:
    token = getattr(request.state, "csrf", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))


# -- links between services ------------------------------------------------------------------------


def public_urls(settings) -> dict[str, str]:
    return {
        "registry": settings.registry_public_url.rstrip("/"),
        "traceability": settings.traceability_public_url.rstrip("/"),
        "marketplace": settings.marketplace_public_url.rstrip("/"),
        "national": settings.national_public_url.rstrip("/"),
    }


def safe_next(settings, target: str | None) -> str | None:
    """Only return to a page of our own services (no open redirect)."""
    if not target:
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    parts = urlsplit(target)
    for base in public_urls(settings).values():
        b = urlsplit(base)
        if (parts.scheme, parts.netloc) == (b.scheme, b.netloc):
            return target
    return None


def nav_items(
    principal: Principal | None, urls: dict[str, str], service: str, entries: Sequence[NavEntry]
) -> list[tuple[str, str]]:
    """This service's own entries for the user's role, then the start page of each other service."""
    if principal is None:
        return []
    own = [(f"{urls[service]}{PREFIX}{e.path}", e.label) for e in entries if principal.role in e.roles]
    peers = [(f"{urls[other]}{PREFIX}", SERVICE_NAMES[other]) for other in urls if other != service]
    return own + peers


# -- rendering -------------------------------------------------------------------------------------


class Console:
    """The Jinja environment of one service: its own templates first, then the shared ones."""

    def __init__(
        self,
        service: str,
        templates: Path | None = None,
        *,
        nav: Sequence[NavEntry] = (),
        field_names: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service  # its key in public_urls: registry, traceability, marketplace or national
        self.nav = (*nav, AUDIT_NAV)  # every service shows its audit trail (ocop_shared.audit_api)
        self.field_names = dict(field_names or {})
        loaders = ([FileSystemLoader(templates)] if templates else []) + [FileSystemLoader(TEMPLATES)]
        self.env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
        self.env.filters.update(
            vndate=vndate, vndatetime=vndatetime, vnnumber=vnnumber, stars=stars, written_address=describe
        )
        self.env.globals.update(
            GROUP_NAMES=GROUP_NAMES,
            CERT_STATUS=CERT_STATUS,
            ROLE_NAMES=ROLE_NAMES,
            CSRF_FIELD=CSRF_FIELD,
            days_until=days_until,
        )

    def render(self, request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        settings = request.app.state.runtime.settings
        urls = public_urls(settings)
        principal = context.pop("user", None) or principal_of(request)
        html = self.env.get_template(name).render(
            request=request,
            user=principal,
            urls=urls,
            nav=nav_items(principal, urls, self.service, self.nav),
            csrf=csrf_token(request),
            static=f"{PREFIX}/static",
            csp_nonce=csp_nonce(request),
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        _set_csrf_cookie(response, request)
        return response

    def login_url(self, request: Request) -> str:
        urls = public_urls(request.app.state.runtime.settings)
        here = str(request.url) if request.method == "GET" else ""
        return f"{urls['registry']}{PREFIX}/login" + (f"?next={quote(here, safe='')}" if here else "")

    def validation_message(self, exc: ValidationError) -> str:
        return validation_message(exc, self.field_names)

    def error_page(self, request: Request, status: int, message: str) -> Response:
        if request.headers.get("accept", "").startswith("application/json"):
            return JSONResponse({"error": {"code": "console_error", "message": message}}, status_code=status)
        titles = {
            403: "Không được phép",
            404: "Không tìm thấy",
            405: "Thao tác không hợp lệ",
            409: "Không thực hiện được",
            422: "Dữ liệu không hợp lệ",
        }
        return self.render(
            request,
            "console_error.html",
            status=status,
            title=titles.get(status, "Không thực hiện được"),
            message=message,
        )


def _vi_http(exc: StarletteHTTPException) -> str:
    return {
        404: "Trang hoặc bản ghi này không tồn tại, hoặc bạn không có quyền xem.",
        405: "Thao tác này không được hỗ trợ trên trang này.",
    }.get(exc.status_code, "Yêu cầu không hợp lệ.")


def install(app: FastAPI, console: Console) -> None:
    """Serve the shared static files and the audit trail's page, and answer errors on ``/console`` pages as HTML
    (API routes keep JSON)."""
    from ocop_shared.audit_api import add_console_page

    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.state.console = console
    pages = APIRouter(prefix=PREFIX, include_in_schema=False)
    add_console_page(pages, console)
    app.include_router(pages)
    original = dict(app.exception_handlers)

    def on_console(exc_type, page):
        fallback = original.get(exc_type)

        async def handler(request: Request, exc):
            if request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/"):
                return page(request, exc)
            if fallback is None:
                raise exc
            return await fallback(request, exc)

        app.add_exception_handler(exc_type, handler)

    def login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("accept", "").startswith("application/json"):
            return JSONResponse({"error": {"code": "login_required", "message": "Cần đăng nhập"}}, status_code=401)
        return RedirectResponse(console.login_url(request), status_code=303)

    on_console(LoginRequired, login)
    on_console(AppError, lambda request, exc: console.error_page(request, exc.status, exc.message))
    on_console(StarletteHTTPException, lambda request, exc: console.error_page(request, exc.status_code, _vi_http(exc)))
    on_console(
        RequestValidationError,
        lambda request, exc: console.error_page(request, 422, "Địa chỉ trang có tham số không hợp lệ."),
    )
    on_console(ValidationError, lambda request, exc: console.error_page(request, 422, console.validation_message(exc)))


# -- form helpers ----------------------------------------------------------------------------------

_PYDANTIC_VI = {
    "missing": "chưa nhập",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "text_too_short": "quá ngắn",
    "text_too_long": "quá dài",
    "date_from_datetime_parsing": "không phải ngày hợp lệ",
    "date_parsing": "không phải ngày hợp lệ",
    "int_parsing": "phải là số nguyên",
    "float_parsing": "phải là số",
    "enum": "không có trong danh sách",
    "greater_than": "phải lớn hơn 0",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "string_pattern_mismatch": "sai định dạng",
    "value_error": "không hợp lệ",
    "literal_error": "không có trong danh sách",
    "extra_forbidden": "không được phép",
}


def start_route(router: APIRouter, first_page: str) -> None:
    """The console's start URL (``/console`` of a service): its first page for a signed-in user, else the login."""

    @router.get("", include_in_schema=False)
    async def start(request: Request) -> Response:
        require_user(request)
        return RedirectResponse(f"{PREFIX}{first_page}", status_code=303)


def validation_message(exc: ValidationError, field_names: Mapping[str, str]) -> str:
    """A form's validation errors in Vietnamese, fields named by the service's labels."""
    parts = []
    for err in exc.errors()[:6]:
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        field = next((field_names[p] for p in reversed(loc) if p in field_names), loc[-1] if loc else "")
        if "scores" in loc and loc[-1] in "ABC":
            field = f"Điểm phần {loc[-1]}"
        kind = err.get("type", "")
        own = kind.startswith(_OWN_ERRORS) and err.get("msg")  # our value types speak Vietnamese already
        parts.append(f"{field}: {_PYDANTIC_VI.get(kind) or own or 'không hợp lệ'}")
    return "Dữ liệu không hợp lệ — " + "; ".join(parts) + "."


_OWN_ERRORS = ("text_", "date_format", "date_type", "datetime_format", "datetime_type", "dates_out_of_order")
M = TypeVar("M", bound=BaseModel)


def from_form(model: type[M], data: Mapping[str, Any]) -> M:
    """A form's fields, which are all text, read into ``model`` with the rules of the API (numbers and dates are
    read from their text, where a JSON body must send them as numbers and ISO strings)."""
    return model.model_validate(data, strict=False)


def blank_to_none(form: dict[str, str], keys: Iterable[str] | None = None) -> dict[str, Any]:
    """Empty inputs mean "not given"."""
    return {k: (v.strip() or None) for k, v in form.items() if keys is None or k in keys}


__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "PREFIX",
    "SESSION_COOKIE",
    "Console",
    "CsrfRejected",
    "LoginRequired",
    "NavEntry",
    "blank_to_none",
    "clear_session",
    "csrf_token",
    "form_of",
    "from_form",
    "install",
    "principal_of",
    "public_urls",
    "require_user",
    "safe_next",
    "set_session",
    "start_route",
    "validation_message",
]
