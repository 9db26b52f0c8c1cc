"""Sign in and out, and change one's own password (every role)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from ocop_registry.app.commands import ChangePassword, SignIn
from ocop_registry.app.users import authenticate, change_password, session_token, sign_out
from ocop_registry.console.common import HOME, console, redirect, router
from ocop_registry.runtime import RegistryRuntime, RuntimeDep
from ocop_shared.audit import current_network
from ocop_shared.console import PREFIX, clear_session, form_of, principal_of, require_user, safe_next, set_session
from ocop_shared.errors import AppError, DomainError


@router.get("")
async def home(request: Request) -> Response:
    principal = principal_of(request)
    if principal is None:
        return redirect(f"{PREFIX}/login")
    return redirect(f"{PREFIX}{HOME.get(principal.role, '/products')}")


@router.get("/login")
async def login_form(request: Request, rt: RuntimeDep, next: str | None = None) -> Response:
    return console.render(
        request, "login.html", title="Đăng nhập", next=safe_next(rt.settings, next), user=None, username=""
    )


def _start_session(response: Response, request: Request, rt: RegistryRuntime, user: dict) -> None:
    assert rt.key_ring is not None  # the registry signs
    ttl = timedelta(hours=rt.settings.session_ttl_h)
    set_session(response, request, session_token(rt.key_ring, user, ttl=ttl, issuer=rt.settings.jwt_issuer), ttl)


@router.post("/login")
async def login(request: Request, rt: RuntimeDep) -> Response:
    form = await form_of(request)
    username = form.get("username", "").strip()
    try:
        user = await authenticate(
            SignIn(username, form.get("password", ""), current_network() or "unknown"),
            rt.uow(),
            rt.settings.login_rules(),
        )
    except AppError as exc:
        page = console.render(
            request,
            "login.html",
            status=exc.status,
            title="Đăng nhập",
            error=exc.message,
            next=form.get("next"),
            username=username[:40],
            user=None,
        )
        page.headers.update(exc.headers or {})  # Retry-After when throttled
        return page
    target = safe_next(rt.settings, form.get("next")) or f"{PREFIX}{HOME.get(user['role'], '/products')}"
    response = redirect(target)
    _start_session(response, request, rt, user)
    return response


@router.get("/password")
async def password_form(request: Request) -> Response:
    principal = require_user(request)
    return console.render(request, "password.html", title="Đổi mật khẩu", user=principal)


@router.post("/password")
async def password_change(request: Request, rt: RuntimeDep) -> Response:
    principal = require_user(request)
    form = await form_of(request)
    new = form.get("new_password", "")
    try:
        if new != form.get("confirm_password", ""):
            raise DomainError("password_mismatch", "Mật khẩu nhập lại không khớp")
        await change_password(
            ChangePassword(form.get("current_password", ""), new),
            principal,
            rt.uow(),
            rules=rt.settings.login_rules(),
            network=current_network() or "unknown",
        )
    except AppError as exc:
        page = console.render(
            request, "password.html", status=exc.status, title="Đổi mật khẩu", user=principal, error=exc.message
        )
        page.headers.update(exc.headers or {})
        return page
    response = console.render(
        request,
        "password.html",
        title="Đổi mật khẩu",
        user=principal,
        flash="Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc.",
    )
    # every session of the account ended with the old password; this browser gets a new one
    _start_session(
        response,
        request,
        rt,
        {
            "username": principal.subject,
            "role": principal.role,
            "producer_id": principal.producer_id,
            "provinces": principal.provinces,
        },
    )
    return response


@router.post("/logout")
async def logout(request: Request, rt: RuntimeDep) -> Response:
    await form_of(request)
    principal = principal_of(request)
    if principal is not None:
        await sign_out(principal, rt.uow(), session_ttl=timedelta(hours=rt.settings.session_ttl_h))
    response = redirect(f"{PREFIX}/login")
    clear_session(response, request)
    return response
