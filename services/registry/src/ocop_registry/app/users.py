"""Console accounts: create one, sign in (argon2), change one's own password, list them.

Signing in gives the same JWT the API takes as a bearer token (roles official | producer | operator), so
a console session and an API client are checked by the same rules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ocop_registry.app import policy
from ocop_registry.app.commands import ChangePassword, CreateUser, SignIn
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.domain.user import User, check_account, check_password, normalize_username
from ocop_shared.auth import Principal, mint_token
from ocop_shared.errors import DomainError, NotFound, Unauthorized
from ocop_shared.events.envelope import utcnow

_hasher = PasswordHasher()
# Verifying against a fixed hash when the user does not exist keeps the answer time the same.
_DUMMY_HASH = _hasher.hash("ocop-no-such-user")


async def create_user(cmd: CreateUser, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    given = cmd.user
    policy.may_create_account(principal, given.role)
    if principal.role == "official" and given.producer_id:
        policy.writable(principal, await uow.producers.get(given.producer_id))
    username = normalize_username(given.username)
    check_account(username, given.role, given.password)
    producer_id = None
    if given.role == "producer":
        if not given.producer_id or await uow.producers.get(given.producer_id) is None:
            raise NotFound("producer_not_found", "Tài khoản chủ thể cần mã chủ thể đã đăng ký")
        producer_id = given.producer_id
    elif given.role == "council_member" and given.producer_id:  # the producer the member works for (a tie)
        if await uow.producers.get(given.producer_id) is None:
            raise NotFound("producer_not_found", "Không có chủ thể này")
        producer_id = given.producer_id
    user = User(
        id=username,
        password_hash=_hasher.hash(given.password),
        role=given.role,
        producer_id=producer_id,
        provinces=list(given.provinces),
        display_name=given.display_name or username,
        created_at=utcnow(),
    )
    async with uow:
        if given.replace:
            await uow.users.put(user)
        else:
            await uow.users.add(user)
        await uow.commit()
    return user.public()


async def authenticate(cmd: SignIn, uow: UnitOfWork) -> dict[str, Any]:
    """The account if the password matches; one message for every failure."""
    user = await uow.users.get(normalize_username(cmd.username))
    failure = Unauthorized("bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng")
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, cmd.password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    if user is None or user.disabled == "yes":
        raise failure
    if _hasher.check_needs_rehash(user.password_hash):  # argon2 parameters raised since it was stored
        await _store_password(uow, user, cmd.password)
    return user.public()


async def change_password(cmd: ChangePassword, principal: Principal, uow: UnitOfWork) -> None:
    await authenticate(SignIn(principal.subject, cmd.current), uow)
    check_password(cmd.new)
    if cmd.new == cmd.current:
        raise DomainError("same_password", "Mật khẩu mới phải khác mật khẩu hiện tại")
    user = await uow.users.get(normalize_username(principal.subject))
    if user is not None:
        await _store_password(uow, user.model_copy(update={"password_changed_at": utcnow().isoformat()}), cmd.new)


async def list_users(principal: Principal, uow: UnitOfWork) -> list[dict[str, Any]]:
    policy.require_operator(principal)
    return [u.public() for u in await uow.users.all()]


async def _store_password(uow: UnitOfWork, user: User, password: str) -> None:
    async with uow:
        await uow.users.save(user.model_copy(update={"password_hash": _hasher.hash(password)}))
        await uow.commit()


def session_token(key: str, user: dict[str, Any], *, ttl: timedelta, issuer: str = "ocop") -> str:
    return mint_token(
        key,
        role=user["role"],
        subject=user["username"],
        producer_id=user.get("producer_id"),
        provinces=tuple(user.get("provinces") or ()),
        ttl=ttl,
        issuer=issuer,
    )
