"""Token keys: the registry signs (EdDSA, Ed25519), every service verifies with public keys only.

- :class:`KeyRing` (the registry): the *signing* key, the *next* key (published before it signs, so every
  verifier already knows it when a rotation promotes it) and the *previous* key (still published: tokens it
  signed stay valid until they expire). Kept as PEM files in one directory (``OCOP_JWT_KEY_DIR``, default
  ``<data-dir>/jwt``): ``signing.pem``, ``next.pem`` (PKCS#8, mode 0600) and ``previous.pub.pem``;
  created on first use. ``ocop keys rotate`` moves them one step.
- :class:`TokenKeys`: public keys by ``kid`` (the RFC 7638 thumbprint of the key), what verification uses.
- :class:`RemoteKeys` (traceability, marketplace_sync): the registry's JWKS, fetched at start-up, every
  ``refresh_s`` and soon after a token names an unknown ``kid``, always in the background (no request ever
  waits for the registry), and kept in a cache file so a service starts and verifies while the registry is
  down. Or the keys are given by configuration (``OCOP_JWT_PUBLIC_KEYS``: a JWKS document, or a path to one).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ocop_shared.logging import get_logger

log = get_logger(__name__)
ALGORITHM = "EdDSA"
SIGNING, NEXT, PREVIOUS = "signing.pem", "next.pem", "previous.pub.pem"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_of(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint: base64url(SHA-256 of the canonical {crv, kty, x})."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(_raw(key))}, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(_raw(key)), "kid": kid_of(key), "use": "sig", "alg": ALGORITHM}


def key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey | None:
    """The public key of one JWK, or None for a key we do not use (another type, curve or purpose)."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("use", "sig") != "sig":
        return None
    x = str(jwk.get("x", ""))
    try:
        return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    except ValueError:
        return None


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    tmp.replace(path)


def _read_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _read_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


@dataclass
class TokenKeys:
    """Public keys by kid: what tokens are verified with."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    def get(self, kid: str | None) -> Ed25519PublicKey | None:
        return self.keys.get(kid or "")

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k) for k in self.keys.values()]}

    @classmethod
    def of(cls, keys: Iterable[Ed25519PublicKey]) -> TokenKeys:
        return cls({kid_of(k): k for k in keys})

    @classmethod
    def from_jwks(cls, document: dict[str, Any]) -> TokenKeys:
        keys = [key_from_jwk(j) for j in document.get("keys", []) if isinstance(j, dict)]
        return cls.of(k for k in keys if k is not None)

    @classmethod
    def configured(cls, value: str) -> TokenKeys:
        """``OCOP_JWT_PUBLIC_KEYS``: a JWKS document, or the path of a file holding one."""
        text = value.strip()
        if not text.startswith("{"):
            text = Path(text).read_text()
        return cls.from_jwks(json.loads(text))

    def unknown_kid(self, kid: str | None) -> None:
        """A token named a key we do not hold (fixed key sets have nothing to learn)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class KeyRing:
    """The registry's keys: the one that signs, the next one and the previous one (both only published)."""

    signing: Ed25519PrivateKey
    next: Ed25519PrivateKey | None = None
    previous: tuple[Ed25519PublicKey, ...] = ()

    @property
    def kid(self) -> str:
        return kid_of(self.signing.public_key())

    def verifier(self) -> TokenKeys:
        published = [self.signing.public_key(), *([self.next.public_key()] if self.next else []), *self.previous]
        return TokenKeys.of(published)

    def jwks(self) -> dict[str, Any]:
        return self.verifier().jwks()

    @classmethod
    def generate(cls) -> KeyRing:
        return cls(Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, directory: Path) -> KeyRing:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in (SIGNING, NEXT):
            if not (directory / name).exists():
                _write_private(directory / name, Ed25519PrivateKey.generate())
        previous = (_read_public(directory / PREVIOUS),) if (directory / PREVIOUS).exists() else ()
        return cls(_read_private(directory / SIGNING), _read_private(directory / NEXT), previous)

    def save(self, directory: Path) -> None:
        """Write the ring as a key directory (what ``load_or_create`` reads)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_private(directory / SIGNING, self.signing)
        _write_private(directory / NEXT, self.next or Ed25519PrivateKey.generate())
        for key in self.previous[:1]:
            (directory / PREVIOUS).write_bytes(
                key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            )

    @classmethod
    def rotate(cls, directory: Path) -> KeyRing:
        """One step: the signing key becomes the previous one, the next one signs, a new next one is made.

        Verifiers knew the new signing key since the last rotation (it was published as *next*); tokens of the
        old one stay valid while it is published as *previous*, i.e. until the following rotation. So rotate
        no more often than the longest token lifetime (sessions: ``OCOP_SESSION_TTL_H``)."""
        ring = cls.load_or_create(directory)
        directory = Path(directory)
        public = ring.signing.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (directory / PREVIOUS).write_bytes(public)
        assert ring.next is not None
        _write_private(directory / SIGNING, ring.next)
        _write_private(directory / NEXT, Ed25519PrivateKey.generate())
        return cls.load_or_create(directory)


class RemoteKeys(TokenKeys):
    """The registry's JWKS as last fetched (or read from the cache file), refreshed in the background."""

    def __init__(self, url: str, cache: Path, *, refresh_s: float = 300.0, min_interval_s: float = 10.0) -> None:
        super().__init__({})
        self.url, self.cache = url, Path(cache)
        self.refresh_s, self.min_interval_s = refresh_s, min_interval_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._last_fetch = 0.0
        self.fetched_at: float | None = None
        with contextlib.suppress(OSError, ValueError):
            self._use(json.loads(self.cache.read_text()))

    def _use(self, document: dict[str, Any]) -> None:
        keys = TokenKeys.from_jwks(document).keys
        if keys:
            self.keys.clear()
            self.keys.update(keys)

    def unknown_kid(self, kid: str | None) -> None:
        if kid:
            self._wake.set()  # the loop fetches soon (not more often than min_interval_s)

    async def fetch(self) -> bool:
        """Fetch the JWKS once; keep it (and write the cache) when it holds keys."""
        self._last_fetch = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("jwks.fetch_failed", url=self.url, error=repr(exc), cached_keys=len(self.keys))
            return False
        if not TokenKeys.from_jwks(document).keys:
            log.warning("jwks.empty", url=self.url)
            return False
        self._use(document)
        self.fetched_at = time.time()
        with contextlib.suppress(OSError):
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache.with_suffix(".tmp")
            tmp.write_text(json.dumps(document))
            tmp.replace(self.cache)
        return True

    async def _loop(self) -> None:
        delay = 0.5
        while True:
            ok = await self.fetch()
            # until a first fetch works: retry soon (0.5 s doubling to 30 s); then every refresh_s, or when woken
            wait = self.refresh_s if ok else delay
            delay = 0.5 if ok else min(delay * 2, 30.0)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            gap = self.min_interval_s - (time.monotonic() - self._last_fetch)
            if gap > 0:
                await asyncio.sleep(gap)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="jwks-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


__all__ = ["ALGORITHM", "KeyRing", "RemoteKeys", "TokenKeys", "kid_of", "public_jwk"]
