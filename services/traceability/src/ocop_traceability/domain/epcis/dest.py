"""Webhook targets and signatures of subscriptions (pure)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit


def signature(token: str, body: bytes) -> str:
    """``GS1-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the exact body under the subscription's
    ``signatureToken`` (the bindings leave the format to the implementation)."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def check_dest(dest: str, *, allow_private: bool) -> str | None:
    """Why ``dest`` may not be a webhook target (None: it may, as far as its form tells)."""
    parts = urlsplit(dest)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "dest must be an http(s) URL"
    if parts.username or parts.password:
        return "dest may not carry credentials"
    if len(dest) > 2000:
        return "dest is too long"
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return None if allow_private or parts.hostname != "localhost" else "dest may not be a private address"
    return None if allow_private or address.is_global else "dest may not be a private address"
