"""Bearer tokens (JWT, HS256) with roles ``official``, ``producer`` and ``operator``.

Producer tokens carry ``producer_id``: a producer sees and changes only its own records. The signing
key lives in ``<data-dir>/jwt.key`` (created on first use, mode 0600) unless ``OCOP_JWT_SECRET`` is set.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ocop_shared.errors import Forbidden, NotFound, Unauthorized
from ocop_shared.events.envelope import utcnow

Role = Literal["official", "producer", "operator"]
ROLES: tuple[str, ...] = ("official", "producer", "operator")
ALGORITHM = "HS256"


def load_or_create_key(data_dir: Path) -> str:
    path = Path(data_dir) / "jwt.key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.encode())
    except Exception:
        os.close(fd)
        raise
    os.close(fd)
    return key


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    producer_id: str | None = None
    # Scope of an official: province codes they act for (empty = all, e.g. a national operator).
    provinces: tuple[str, ...] = ()

    def owns(self, producer_id: str | None) -> bool:
        return self.role != "producer" or (producer_id is not None and producer_id == self.producer_id)

    def covers(self, province_code: str | None) -> bool:
        """An official scoped to provinces acts only there; everyone else is limited otherwise (owns)."""
        return self.role != "official" or not self.provinces or province_code in self.provinces

    def reaches(self, producer_id: str | None, province_code: str | None) -> bool:
        """The one scope rule: a producer reaches only its own records, an official scoped to provinces only
        the records of producers there, operators and unscoped officials everything. Each service's policy
        module builds who-may-do-what on it (with the province of *its* copy of the producer)."""
        return self.owns(producer_id) and self.covers(province_code)

    @property
    def scope(self) -> Scope:
        """What lists are limited to: one producer, the producers of some provinces, or nothing."""
        if self.role == "producer":
            return Scope(producer_id=self.producer_id)
        if self.role == "official" and self.provinces:
            return Scope(provinces=self.provinces)
        return Scope()


@dataclass(frozen=True)
class Scope:
    producer_id: str | None = None
    provinces: tuple[str, ...] = ()

    @property
    def unlimited(self) -> bool:
        return self.producer_id is None and not self.provinces


def mint_token(
    key: str,
    *,
    role: str,
    subject: str = "cli",
    producer_id: str | None = None,
    ttl: timedelta = timedelta(hours=1),
    issuer: str = "ocop",
    provinces: tuple[str, ...] = (),
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "producer" and not producer_id:
        raise ValueError("a producer token needs a producer id")
    now = utcnow()
    claims = {"sub": subject, "role": role, "iss": issuer, "iat": now, "exp": now + ttl}
    if producer_id:
        claims["producer_id"] = producer_id
    if provinces:
        claims["provinces"] = list(provinces)
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(key: str | Sequence[str], token: str, issuer: str = "ocop") -> Principal:
    """``key`` may be several keys: the current one first, then previous ones still accepted while tokens
    signed with them are alive (key rotation: ``OCOP_JWT_PREVIOUS_SECRETS``)."""
    keys = [key] if isinstance(key, str) else list(key)
    try:
        for n, candidate in enumerate(keys):
            try:
                claims = jwt.decode(
                    token, candidate, algorithms=[ALGORITHM], issuer=issuer, options={"require": ["exp", "sub", "role"]}
                )
                break
            except jwt.InvalidSignatureError:
                if n == len(keys) - 1:
                    raise
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token_expired", "Token đã hết hạn / token expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid_token", f"Token không hợp lệ / invalid token: {exc}") from exc
    role = claims.get("role")
    if role not in ROLES:
        raise Unauthorized("invalid_token", "unknown role")
    if role == "producer" and not claims.get("producer_id"):
        raise Unauthorized("invalid_token", "producer token without producer_id")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        producer_id=claims.get("producer_id"),
        provinces=tuple(claims.get("provinces") or ()),
    )


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing_token", "Cần đăng nhập: thiếu bearer token / bearer token required")
    return decode_token(verify_keys(request), credentials.credentials, request.app.state.jwt_issuer)


def verify_keys(request: Request) -> Sequence[str]:
    """The keys tokens are checked with: the signing key, then any previous ones (rotation)."""
    return getattr(request.app.state, "jwt_verify_keys", None) or (request.app.state.jwt_key,)


def require_role(principal: Principal, roles: tuple[str, ...]) -> None:
    """The caller must hold one of ``roles`` (use cases' policies; routes use :func:`require`)."""
    if principal.role not in roles:
        raise Forbidden("forbidden_role", f"Vai trò '{principal.role}' không được phép / role not allowed")


async def reachable_products(
    principal: Principal,
    of_producers: Callable[[Collection[str]], Awaitable[set[str]]],
    producers_in: Callable[[Collection[str]], Awaitable[set[str]]],
) -> set[str] | None:
    """Product ids the caller may see in a service's copies (None: all): a producer its own, a scoped
    official its provinces' producers' (``of_producers``: their products; ``producers_in``: the provinces')."""
    scope = principal.scope
    if scope.unlimited:
        return None
    if scope.producer_id is not None:
        return await of_producers({scope.producer_id})
    return await of_producers(await producers_in(scope.provinces))


async def check_push_again(
    principal: Principal,
    roles: tuple[str, ...],
    product_id: str | None,
    owner: Callable[[str], Awaitable[tuple[str | None, str | None]]],
) -> None:
    """Staff push a product to an outside system again: operators and unscoped officials anything (or all);
    an official scoped to provinces one product of theirs (``owner``: its producer and province)."""
    require_role(principal, roles)
    if principal.scope.unlimited:
        return
    if not product_id:
        raise Forbidden("out_of_scope", "Cán bộ phụ trách tỉnh chỉ đồng bộ lại từng sản phẩm của tỉnh mình")
    producer_id, province = await owner(product_id)
    if producer_id is None or not principal.reaches(producer_id, province):
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")


def require(*roles: str):
    """FastAPI dependency: the caller must hold one of ``roles``."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require_role(principal, roles)
        return principal

    return dependency
