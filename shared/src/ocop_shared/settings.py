"""Settings common to every service, read from the environment (prefix ``OCOP_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base settings; each service subclasses it and sets its own defaults (port, database)."""

    model_config = SettingsConfigDict(env_prefix="OCOP_", extra="ignore")

    service_name: str = "ocop"
    host: str = "127.0.0.1"
    port: int = 8000
    kafka_bootstrap: str = "127.0.0.1:9092"
    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = "ocop"
    data_dir: Path = Path(".ocop")
    # HS256 signing key for bearer tokens. If empty it is read from (or created in) data_dir/jwt.key.
    jwt_secret: str = ""
    # Key rotation: the keys used before OCOP_JWT_SECRET, comma-separated, still accepted (never used to
    # sign) until the tokens they signed have expired.
    jwt_previous_secrets: str = ""
    jwt_issuer: str = "ocop"
    log_level: str = "INFO"
    log_json: bool = True
    # Relay: how long it sleeps when idle before re-checking the outbox (it is also woken at once by
    # every commit in this process), and how often it checks consumer confirmations / broker loss.
    relay_idle_wait_s: float = 0.5
    relay_confirm_interval_s: float = 2.0
    relay_batch_size: int = 500
    # Upper bound for an accepted event on the wire (bytes); larger ones are dead-lettered.
    max_event_bytes: int = 1_000_000
    # Request bodies (bytes, answered 413 before parsing): every route, and routes that take files (imports).
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 20 * 2**20
    public_base_url: str = Field(default="", description="External URL of this service, for links")
    # Web console: where each service's pages are for a browser (links between services), and the session
    # cookie. Cookies are not port-isolated, so one login on the registry serves every service of a host.
    registry_public_url: str = "http://127.0.0.1:8001"
    traceability_public_url: str = "http://127.0.0.1:8002"
    marketplace_public_url: str = "http://127.0.0.1:8003"
    # Secure cookies: "auto" = when the request came over https (or the registry URL is https); true/false force it.
    cookie_secure: str = "auto"
    session_ttl_h: float = 10.0

    @property
    def body_limits(self) -> dict[str, int]:
        return {"default": self.max_body_bytes, "upload": self.max_upload_bytes}

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"
