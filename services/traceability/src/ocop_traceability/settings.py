"""Traceability's settings (``OCOP_*`` environment variables)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ocop_shared.settings import ServiceSettings
from ocop_traceability.domain.codes import DEFAULT_AREA_SCHEMES


class TraceabilitySettings(ServiceSettings):
    service_name: str = "traceability"
    port: int = 8002
    mongo_db: str = "traceability"
    # The host printed in stamps (QR). Short, because it is in every QR code. Scheme and host only: stamps
    # print the path in upper case and the routes are case-sensitive, so a path prefix would not resolve.
    stamp_base_url: str = "http://127.0.0.1:8002"
    max_stamps_per_run: int = 200_000
    area_code_schemes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_AREA_SCHEMES))
    # Clone rule: within the window, this many distinct clients, or places this far apart, flag a stamp.
    clone_window_h: float = 24.0
    clone_max_clients: int = 8
    clone_max_km: float = 100.0
    # Per network prefix: burst capacity and sustained lookups per second on the public scan URLs.
    scan_rate_capacity: int = 60
    scan_rate_per_s: float = 2.0
    scan_flush_interval_s: float = 1.0

    @field_validator("stamp_base_url")
    @classmethod
    def _scheme_and_host_only(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise ValueError("OCOP_STAMP_BASE_URL must be a scheme and a host only, e.g. https://truyxuat.ocop.vn")
        if parts.query or parts.fragment:
            raise ValueError("OCOP_STAMP_BASE_URL takes no query or fragment")
        return value.rstrip("/")
