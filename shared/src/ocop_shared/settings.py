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
    # The host's local secret (HMAC key of CSRF tokens and of the scan page's salt; the services of a host share
    # it, as they share the console's cookies). If empty: OCOP_JWT_SECRET (its former name), else
    # data_dir/secret.key (created on first use). It signs no token.
    secret_key: str = ""
    jwt_secret: str = ""
    # Tokens (EdDSA): the registry signs with the key ring in jwt_key_dir (default data_dir/jwt); the other
    # services verify with OCOP_JWT_PUBLIC_KEYS (a JWKS document or a path to one) if set, else with the
    # registry's JWKS (OCOP_JWKS_URL, default <registry_public_url>/.well-known/jwks.json), fetched at start-up
    # and every jwks_refresh_s in the background and cached in data_dir/jwks/.
    jwt_signer: bool = False
    jwt_key_dir: Path | None = None
    jwt_public_keys: str = ""
    jwks_url: str = ""
    jwks_refresh_s: float = 300.0
    jwt_issuer: str = "ocop"
    # Audit trail: entries older than this are deleted (hourly).
    audit_retention_days: float = 1825.0
    log_level: str = "INFO"
    log_json: bool = True
    # After start-up, freeze the objects alive then out of the collector's scans and collect young objects
    # less often (ocop_shared.pauses): the scan tail's GC pauses. false: CPython's defaults (the bench's baseline).
    gc_tuning: bool = True
    # Relay: how long it sleeps when idle before re-checking the outbox (it is also woken at once by
    # every commit in this process), and how often it checks consumer confirmations / broker loss.
    relay_idle_wait_s: float = 0.5
    relay_confirm_interval_s: float = 2.0
    relay_batch_size: int = 500
    # Consumers: how long a fetch may wait at the broker and how long one poll waits for buffered records
    # (ocop_shared.consumer.Waits: together they bound the broker → handler hop; the embedded broker holds
    # every fetch for the whole wait, so keep it short).
    consumer_fetch_wait_ms: int = 25
    consumer_batch_wait_ms: int = 10
    # How long the consumer group waits for a member that stopped heartbeating, and the heartbeat interval
    # (the embedded broker finishes every join after half the session timeout; a Kafka broker refuses less
    # than its group.min.session.timeout.ms, 6 s by default).
    consumer_session_timeout_ms: int = 6000
    consumer_heartbeat_ms: int = 2000
    # On stop, how long the batch in hand may take to finish (then it is cut short and redelivered later).
    consumer_stop_grace_s: float = 1.5
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
    national_public_url: str = "http://127.0.0.1:8004"
    # Secure cookies: "auto" = when the request came over https (or the registry URL is https); true/false force it.
    cookie_secure: str = "auto"
    session_ttl_h: float = 10.0

    @property
    def body_limits(self) -> dict[str, int]:
        return {"default": self.max_body_bytes, "upload": self.max_upload_bytes}

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"
