"""Console accounts: create one, sign in (argon2, throttled), sign out, change one's own password, list them.

Signing in gives the same JWT the API takes as a bearer token (roles official | producer | operator), so
a console session and an API client are checked by the same rules.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ocop_registry.app import policy
from ocop_registry.app.commands import ChangePassword, CreateUser, SignIn
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.domain.throttle import ThrottleRule, TooManyAttempts
from ocop_registry.domain.user import User, check_account, check_password, normalize_username
from ocop_shared.auth import Principal, mint_token
from ocop_shared.errors import DomainError, NotFound, Unauthorized
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import SessionRevoked
from ocop_shared.keys import KeyRing

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
    async with uow.acting(principal, "user.replace" if given.replace else "user.create", user=username):
        if given.replace:
            await uow.users.put(user)
            await _end_sessions(uow, username, reason="account_changed")  # a new password: old sessions end
        else:
            await uow.users.add(user)
        await uow.commit()
    return user.public()


ACCOUNT = ThrottleRule(free=3, lock_after=10, lock_s=900)
NETWORK = ThrottleRule(free=30, lock_after=200, lock_s=900, base_delay_s=0.5, max_delay_s=30)


@dataclass(frozen=True)
class LoginRules:
    """Throttling of sign-ins (``OCOP_LOGIN_*``): per account (as typed) and per network prefix."""

    account: ThrottleRule = ACCOUNT
    network: ThrottleRule = NETWORK


def _someone(username: str) -> Principal:
    """The actor of a sign-in that has not succeeded: the name as typed."""
    return Principal(subject=username[:64] or "?", role="anonymous")


async def authenticate(
    cmd: SignIn, uow: UnitOfWork, rules: LoginRules = LoginRules(), *, record: bool = True
) -> dict[str, Any]:
    """The account if the password matches; one message for every failure, the same throttling for every
    name (existing or not). Failures count for the account and the network and are audited (with the
    attempts) in one transaction; a throttled attempt is refused before the password is looked at."""
    username = normalize_username(cmd.username)
    keys = [f"user:{username[:64]}", f"net:{cmd.network}"]
    now = utcnow().timestamp()
    attempts = await uow.attempts.of(keys)
    account, network = attempts[keys[0]], attempts[keys[1]]
    wait = max(account.wait_s(rules.account, now), network.wait_s(rules.network, now))
    if wait > 0:
        raise TooManyAttempts(wait, locked=account.locked(now) or network.locked(now))
    user = await uow.users.get(username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, cmd.password)
        ok = user is not None and user.disabled != "yes"
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        now = utcnow().timestamp()  # the delay runs from the answer (the hash check itself takes a while)
        async with uow.acting(
            _someone(username),
            "session.login_failed",
            user=username[:64],
            producer=user.producer_id if user else None,  # the account's scope: who may read the entry
            scope=tuple(user.provinces) if user else (),
        ):
            await uow.attempts.put(account.failed(rules.account, now))
            await uow.attempts.put(network.failed(rules.network, now))
            uow.note(network_failures=network.current(rules.network, now).failures + 1)
            await uow.commit()
        raise Unauthorized("bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng")
    async with uow.acting(user.principal(), "session.login", user=user.id) if record else uow:
        await uow.attempts.clear(keys[0])
        if _hasher.check_needs_rehash(user.password_hash):  # argon2 parameters raised since it was stored
            await uow.users.save(user.model_copy(update={"password_hash": _hasher.hash(cmd.password)}))
        await uow.commit()
    return user.public()


async def change_password(
    cmd: ChangePassword, principal: Principal, uow: UnitOfWork, *, rules: LoginRules = LoginRules(), network: str = ""
) -> None:
    """A new password ends every session of the account (the console signs the browser in again)."""
    await authenticate(SignIn(principal.subject, cmd.current, network or "unknown"), uow, rules, record=False)
    check_password(cmd.new)
    if cmd.new == cmd.current:
        raise DomainError("same_password", "Mật khẩu mới phải khác mật khẩu hiện tại")
    user = await uow.users.get(normalize_username(principal.subject))
    if user is None:
        return
    async with uow.acting(principal, "user.password_change", user=user.id):
        changed = {"password_hash": _hasher.hash(cmd.new), "password_changed_at": utcnow().isoformat()}
        await uow.users.save(user.model_copy(update=changed))
        await _end_sessions(uow, user.id, reason="password_changed")
        await uow.commit()


async def sign_out(principal: Principal, uow: UnitOfWork, *, session_ttl: timedelta) -> None:
    """End this session in every service (the revocation is announced through the outbox)."""
    if not principal.session_id:
        return
    now = utcnow()
    revoked = SessionRevoked(
        username=principal.subject,
        session_id=principal.session_id,
        revoked_at=now,
        reason="logout",
        valid_until=now + session_ttl,
    )
    async with uow.acting(principal, "session.logout", user=principal.subject):
        await uow.revocations.record(revoked)
        uow.emit(revoked, key=principal.subject)
        await uow.commit()


# Sessions last at most this long (OCOP_SESSION_TTL_H is lower): a revocation of all of an account's sessions
# is kept that long.
LONGEST_SESSION = timedelta(days=7)


async def _end_sessions(uow: UnitOfWork, username: str, *, reason: str) -> None:
    now = utcnow()
    revoked = SessionRevoked(
        username=username,
        revoked_at=now,
        reason=reason,
        valid_until=now + LONGEST_SESSION,
    )
    await uow.revocations.record(revoked)
    uow.emit(revoked, key=username)


async def list_users(principal: Principal, uow: UnitOfWork) -> list[dict[str, Any]]:
    policy.require_operator(principal)
    return [u.public() for u in await uow.users.all()]


def session_token(signer: KeyRing, user: dict[str, Any], *, ttl: timedelta, issuer: str = "ocop") -> str:
    """A console session: the API's token with a session id (what sign-out and a password change end)."""
    return mint_token(
        signer,
        role=user["role"],
        subject=user["username"],
        producer_id=user.get("producer_id"),
        provinces=tuple(user.get("provinces") or ()),
        ttl=ttl,
        issuer=issuer,
        session_id=secrets.token_urlsafe(18),
    )
