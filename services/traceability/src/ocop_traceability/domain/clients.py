"""Who scanned, coarsely: a client fingerprint is the browser family plus a salted hash of the network
prefix (/24 or /48). No personal data is kept, yet the clone rule can count distinct clients and the rate
limit can tell networks apart."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from dataclasses import dataclass

_FAMILIES = (
    ("zalo", r"Zalo"),
    ("facebook", r"FBAN|FBAV"),
    ("edge", r"Edg/"),
    ("firefox", r"Firefox/"),
    ("chrome", r"Chrome/|CriOS/"),
    ("safari", r"Safari/"),
    ("bot", r"bot|crawl|spider|curl|python"),
)


@dataclass(frozen=True)
class Client:
    fingerprint: str  # browser family + hashed network prefix: coarse, no personal data
    network: str  # hashed network prefix (rate limiting)
    location: tuple[float, float] | None = None


def ua_family(user_agent: str) -> str:
    ua = user_agent or ""
    family = next((name for name, pattern in _FAMILIES if re.search(pattern, ua, re.I)), "other")
    return family + ("-mobile" if re.search(r"Mobile|Android|iPhone", ua) else "")


def client_of(ip: str, user_agent: str, salt: str, location: tuple[float, float] | None = None) -> Client:
    base = _client_base(ip, user_agent, salt)
    return base if location is None else Client(base.fingerprint, base.network, location)


@functools.lru_cache(maxsize=65536)  # the scan hot path: one hash per new client, not per request
def _client_base(ip: str, user_agent: str, salt: str) -> Client:
    try:
        addr = ipaddress.ip_address(ip)
        prefix = str(ipaddress.ip_network(f"{addr}/{24 if addr.version == 4 else 48}", strict=False))
    except ValueError:
        prefix = "unknown"
    network = hashlib.sha256(f"{salt}:{prefix}".encode()).hexdigest()[:16]
    return Client(fingerprint=f"{ua_family(user_agent)}:{network}", network=network)
