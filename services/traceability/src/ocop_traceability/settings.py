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
    # EPCIS 2.0 (/epcis). The host of the URIs we mint (places, lots without GTIN, certificates, the ``ocop:``
    # namespace): part of every event hash, so set it once and keep it (empty: the stamp host, lower case).
    epcis_base_url: str = ""
    epcis_capture_limit: int = 500  # events per capture (GS1-EPCIS-Capture-Limit)
    epcis_capture_max_bytes: int = 4 * 1024 * 1024  # bytes per capture (GS1-EPCIS-Capture-File-Size-Limit)
    epcis_max_stamps_listed: int = 10_000  # above, a stamp change is one event with the lot class and a count
    # Webhooks: private, loopback and link-local targets are refused unless this is set (development, tests).
    epcis_webhook_allow_private: bool = False
    epcis_webhook_timeout_s: float = 5.0
    epcis_dispatch_interval_s: float = 0.5
    epcis_delivery_batch: int = 100  # events per webhook POST
    epcis_retry_base_s: float = 1.0  # a failed delivery is retried after this, doubling …
    epcis_retry_max_s: float = 3600.0  # … up to this

    @property
    def epcis_base(self) -> str:
        return self.epcis_base_url or self.stamp_base_url

    @field_validator("stamp_base_url")
    @classmethod
    def _scheme_and_host_only(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise ValueError("OCOP_STAMP_BASE_URL must be a scheme and a host only, e.g. https://truyxuat.ocop.vn")
        if parts.query or parts.fragment:
            raise ValueError("OCOP_STAMP_BASE_URL takes no query or fragment")
        return value.rstrip("/")
