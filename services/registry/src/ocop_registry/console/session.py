"""Sign in and out, and change one's own password (every role)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from ocop_registry.app.commands import ChangePassword, SignIn
from ocop_registry.app.users import authenticate, change_password, session_token
from ocop_registry.console.common import HOME, console, redirect, router
from ocop_registry.runtime import RuntimeDep
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


@router.post("/login")
async def login(request: Request, rt: RuntimeDep) -> Response:
    form = await form_of(request)
    username = form.get("username", "").strip()
    try:
        user = await authenticate(SignIn(username, form.get("password", "")), rt.uow())
    except AppError as exc:
        return console.render(
            request,
            "login.html",
            status=401,
            title="Đăng nhập",
            error=exc.message,
            next=form.get("next"),
            username=username[:40],
            user=None,
        )
    ttl = timedelta(hours=rt.settings.session_ttl_h)
    target = safe_next(rt.settings, form.get("next")) or f"{PREFIX}{HOME.get(user['role'], '/products')}"
    response = redirect(target)
    set_session(response, request, session_token(rt.jwt_key, user, ttl=ttl, issuer=rt.settings.jwt_issuer), ttl)
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
        await change_password(ChangePassword(form.get("current_password", ""), new), principal, rt.uow())
    except AppError as exc:
        return console.render(
            request, "password.html", status=exc.status, title="Đổi mật khẩu", user=principal, error=exc.message
        )
    return console.render(
        request,
        "password.html",
        title="Đổi mật khẩu",
        user=principal,
        flash="Đã đổi mật khẩu. Lần đăng nhập sau dùng mật khẩu mới.",
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    await form_of(request)
    response = redirect(f"{PREFIX}/login")
    clear_session(response, request)
    return response
