"""Bearer tokens (JWT, EdDSA/Ed25519) with roles ``official``, ``producer``, ``operator`` and ``council_member``.

Producer tokens carry ``producer_id``: a producer sees and changes only its own records. A council member
(thành viên hội đồng đánh giá: an expert or a department's representative) reaches no producer's records by
the scope rule: the registry lets them in only to the councils they sit on. Only the registry
holds a private key (``ocop_shared.keys.KeyRing``) and signs; every service verifies with public keys by
``kid`` (``ocop_shared.keys.TokenKeys``). Console sessions carry a session id (``sid``): a revoked session
(sign-out, password change) is refused by every service (``ocop_shared.sessions``).

``load_or_create_key`` keeps the host's *local secret* (``OCOP_SECRET_KEY``, else ``<data-dir>/secret.key``):
an HMAC key for CSRF tokens and the scan page's salt, never for tokens.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ocop_shared.errors import AppError, Forbidden, Unauthorized
from ocop_shared.events.envelope import utcnow
from ocop_shared.keys import ALGORITHM, KeyRing, TokenKeys

Role = Literal["official", "producer", "operator", "council_member"]
ROLES: tuple[str, ...] = ("official", "producer", "operator", "council_member")
# The producer scope of a role that reaches no producer by the scope rule (a council member): no producer id
# equals it, so every list filtered by ``Principal.scope`` comes back empty.
NO_PRODUCER = "-"
BEARER_KEY = "ocop.bearer"  # where the caller middleware leaves the verified bearer principal (or its error)


def load_or_create_key(data_dir: Path, name: str = "secret.key") -> str:
    path = Path(data_dir) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another service of the host made it first
        return path.read_text().strip()
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    producer_id: str | None = None
    # Scope of an official: province codes they act for (empty = all, e.g. a national operator).
    provinces: tuple[str, ...] = ()
    session_id: str | None = None  # console sessions: what sign-out and a password change revoke
    issued_at: float = 0.0

    def owns(self, producer_id: str | None) -> bool:
        if self.role == "council_member":  # their way in is the council they sit on, never the scope rule
            return False
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
        if self.role == "council_member":
            return Scope(producer_id=NO_PRODUCER)
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
    signer: KeyRing,
    *,
    role: str,
    subject: str = "cli",
    producer_id: str | None = None,
    ttl: timedelta = timedelta(hours=1),
    issuer: str = "ocop",
    provinces: tuple[str, ...] = (),
    session_id: str | None = None,
) -> str:
    """A token signed with the ring's signing key (its ``kid`` in the header). Only the registry holds one."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "producer" and not producer_id:
        raise ValueError("a producer token needs a producer id")
    now = utcnow()
    # iat with its fraction of a second: a session made right after a password change is not older than it
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role,
        "iss": issuer,
        "iat": now.timestamp(),
        "exp": now + ttl,
    }
    if producer_id:
        claims["producer_id"] = producer_id
    if provinces:
        claims["provinces"] = list(provinces)
    if session_id:
        claims["sid"] = session_id
    return jwt.encode(claims, signer.signing, algorithm=ALGORITHM, headers={"kid": signer.kid})


def decode_token(keys: TokenKeys, token: str, issuer: str = "ocop") -> Principal:
    """The caller a token names, if a key we publish or trust signed it (EdDSA only: ``none``, HS256 and any
    other algorithm are refused). A ``kid`` we do not know asks ``keys`` to refresh (in the background)."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise jwt.InvalidAlgorithmError(f"algorithm {header.get('alg')!r} not accepted")
        key = keys.get(header.get("kid"))
        if key is None:
            keys.unknown_kid(header.get("kid"))
            raise jwt.InvalidKeyError("unknown key id")
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=issuer, options={"require": ["exp", "sub", "role", "iat"]}
        )
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
        session_id=claims.get("sid"),
        issued_at=float(claims.get("iat") or 0),
    )


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing_token", "Cần đăng nhập: thiếu bearer token / bearer token required")
    return bearer_principal(request, credentials.credentials)


def bearer_principal(request: Request, token: str) -> Principal:
    """The principal of the request's bearer ``token``: as the caller middleware verified it (and checked it
    against the ended sessions), else decoded here (a bare app in a unit test). Raises its 401."""
    resolved = request.scope.get(BEARER_KEY)
    if resolved is None:
        resolved = decode_token(token_keys(request), token, request.app.state.jwt_issuer)
    if isinstance(resolved, AppError):
        raise resolved
    return resolved


def token_keys(request: Request) -> TokenKeys:
    """The public keys tokens are checked with (the app's runtime holds them)."""
    return request.app.state.runtime.token_keys


def require(*roles: str):
    """FastAPI dependency: the caller must hold one of ``roles``."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden("forbidden_role", f"Vai trò '{principal.role}' không được phép / role not allowed")
        return principal

    return dependency
