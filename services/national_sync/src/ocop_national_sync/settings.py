"""national_sync's settings (``OCOP_*`` environment)."""

from __future__ import annotations

from ocop_shared.settings import ServiceSettings


class NationalSyncSettings(ServiceSettings):
    service_name: str = "national_sync"
    port: int = 8004
    mongo_db: str = "national_sync"
    # The national traceability portal (empty URL = disabled: records are kept, nothing is sent). The
    # default points at the embedded stand-in (simulated).
    national_portal_url: str = "http://127.0.0.1:8103"
    national_portal_client_id: str = "ocop-dev"
    national_portal_client_secret: str = "portal-dev-secret"
    portal_attempts: int = 6  # tries of one call (5xx, 429, timeouts) before the record waits
    portal_timeout_s: float = 5.0
    portal_concurrency: int = 8  # records pushed at once
    portal_retry_base_s: float = 1.0  # a record's wait after a call gave up, doubling up to 5 min
