"""Console accounts (người dùng): username, argon2 password hash, role, producer and province scope.

Signing in gives the same JWT the API takes as a bearer token (roles official | producer | operator), so
a console session and an API client are checked by the same rules.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ocop_registry.adapters.repository import ProducerRepository
from ocop_shared.auth import ROLES, mint_token
from ocop_shared.errors import Conflict, DomainError, NotFound, Unauthorized
from ocop_shared.events.envelope import utcnow

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 8
# Verifying against a fixed hash when the user does not exist keeps the answer time the same.
_DUMMY_HASH = _hasher.hash("ocop-no-such-user")


def normalize_username(username: str) -> str:
    return username.strip().lower()


async def create_user(db: AsyncDatabase, *, username: str, password: str, role: str, producer_id: str | None = None,
                      provinces: tuple[str, ...] = (), display_name: str | None = None,
                      replace: bool = False) -> dict[str, Any]:
    username = normalize_username(username)
    if not USERNAME.match(username):
        raise DomainError("invalid_username", "Tên đăng nhập gồm 3–40 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới")
    if role not in ROLES:
        raise DomainError("invalid_role", f"Vai trò phải là một trong {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    if role == "producer":
        if not producer_id or await ProducerRepository(db).get(producer_id) is None:
            raise NotFound("producer_not_found", "Tài khoản chủ thể cần mã chủ thể đã đăng ký")
    else:
        producer_id = None
    doc = {"_id": username, "password_hash": _hasher.hash(password), "role": role, "producer_id": producer_id,
           "provinces": list(provinces), "display_name": display_name or username, "created_at": utcnow(),
           "disabled": "no"}
    if replace:
        await db.users.replace_one({"_id": username}, doc, upsert=True)
    else:
        try:
            await db.users.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict("duplicate_username", f"Tên đăng nhập '{username}' đã có") from exc
    return public_user(doc)


def public_user(doc: dict) -> dict[str, Any]:
    return {"username": doc["_id"], "role": doc["role"], "producer_id": doc.get("producer_id"),
            "provinces": doc.get("provinces") or [], "display_name": doc.get("display_name") or doc["_id"]}


async def authenticate(db: AsyncDatabase, username: str, password: str) -> dict[str, Any]:
    """The account if the password matches (argon2); one message for every failure."""
    doc = await db.users.find_one({"_id": normalize_username(username)})
    failure = Unauthorized("bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng")
    try:
        _hasher.verify(doc["password_hash"] if doc else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    if doc is None or doc.get("disabled") == "yes":
        raise failure
    if _hasher.check_needs_rehash(doc["password_hash"]):
        await db.users.update_one({"_id": doc["_id"]}, {"$set": {"password_hash": _hasher.hash(password)}})
    return public_user(doc)


async def change_password(db: AsyncDatabase, username: str, current: str, new: str) -> None:
    """The signed-in user changes their own password (the current one is asked again)."""
    await authenticate(db, username, current)
    if len(new) < MIN_PASSWORD:
        raise DomainError("weak_password", f"Mật khẩu mới cần ít nhất {MIN_PASSWORD} ký tự")
    if new == current:
        raise DomainError("same_password", "Mật khẩu mới phải khác mật khẩu hiện tại")
    await db.users.update_one({"_id": normalize_username(username)},
                              {"$set": {"password_hash": _hasher.hash(new), "password_changed_at": utcnow().isoformat()}})


def session_token(key: str, user: dict[str, Any], *, ttl: timedelta, issuer: str = "ocop") -> str:
    return mint_token(key, role=user["role"], subject=user["username"], producer_id=user.get("producer_id"),
                      provinces=tuple(user.get("provinces") or ()), ttl=ttl, issuer=issuer)


__all__ = ["create_user", "authenticate", "change_password", "session_token", "public_user"]
