"""marketplace_sync's settings (``OCOP_*`` environment)."""

from __future__ import annotations

from ocop_shared.settings import ServiceSettings


class MarketplaceSyncSettings(ServiceSettings):
    service_name: str = "marketplace_sync"
    port: int = 8003
    mongo_db: str = "marketplace_sync"
    # Platforms (empty URL = disabled). Defaults point at the embedded stand-ins.
    voso_url: str = "http://127.0.0.1:8101"
    voso_client_id: str = "ocop-dev"
    voso_client_secret: str = "voso-dev-secret"
    voso_rate_per_s: float = 20
    postmart_url: str = "http://127.0.0.1:8102"
    postmart_api_key: str = "ocop-dev"
    postmart_api_secret: str = "postmart-dev-secret"
    postmart_rate_per_s: float = 20
    sync_attempts: int = 6
    platform_timeout_s: float = 5.0
    reconcile_interval_s: float = 300
