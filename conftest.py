"""Shared pytest fixtures: the real embedded broker (Tansu) and MongoDB-protocol server (nx-27017) on
free ports, and the three services running in-process against them over the wire."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ocop_cli.stack import Stack, start_stack
from ocop_marketplace_sync.standins.serving import Standins, serve_standins
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing

# gs1-compression (a test oracle) installs a top-level package named ``tests`` into site-packages, which would
# shadow this repository's ``tests`` folder (a namespace package loses to a regular one): bind the name here.
_TESTS_DIR = str(Path(__file__).resolve().parent / "tests")
if _TESTS_DIR not in list(getattr(sys.modules.get("tests"), "__path__", [])):
    _tests_pkg = types.ModuleType("tests")
    _tests_pkg.__path__ = [_TESTS_DIR]
    sys.modules["tests"] = _tests_pkg

ARTIFACTS = Path(os.environ.get("OCOP_TEST_ARTIFACTS", "test-artifacts"))

# Debian's chromium for the browser tests (.ci/run installs it; no browser download at test time). The
# background-networking flags keep it from calling out of this closed network. Without it the browser tests
# skip with CHROMIUM_MISSING: `ocop test` finds such skips by "chromium" in the reason and warns in a panel.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_MISSING = "chromium is not installed (apt-get install chromium)"


def require_chromium() -> None:
    """At the top of a browser test module: skip it without chromium, except under CI where that is an error."""
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium for the browser tests (.ci/run installs it)")
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_chromium(*args: str) -> subprocess.CompletedProcess:
    """One headless Chromium run at phone size (390 × 844) with a throw-away profile."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                *CHROMIUM_FLAGS,
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--window-size=390,844",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    s = start_stack(tmp_path_factory.mktemp("stack"))
    yield s
    s.stop()


# The registry's token keys for the whole session (it signs; the other services are given the public keys)
KEY_DIR = Path(tempfile.mkdtemp(prefix="ocop-test-keys-"))
KEYS = KeyRing.load_or_create(KEY_DIR)
PUBLIC_KEYS = json.dumps(KEYS.jwks())
SECRET = "test-secret-" + uuid.uuid4().hex  # the host's local secret (CSRF, scan salt)


def token_settings(service: str) -> dict:
    """How a service of the test stack gets its token keys: the registry signs, the others verify."""
    return {"jwt_key_dir": KEY_DIR} if service == "registry" else {"jwt_public_keys": PUBLIC_KEYS}


def service_settings(service: str, stack: Stack, *, db_suffix: str = "", **extra):
    from ocop_marketplace_sync.bootstrap import MarketplaceSyncSettings
    from ocop_national_sync.bootstrap import NationalSyncSettings
    from ocop_registry.bootstrap import RegistrySettings
    from ocop_traceability.bootstrap import TraceabilitySettings

    cls = {
        "registry": RegistrySettings,
        "traceability": TraceabilitySettings,
        "marketplace_sync": MarketplaceSyncSettings,
        "national_sync": NationalSyncSettings,
    }[service]
    return cls(
        kafka_bootstrap=stack.bootstrap,
        mongo_url=stack.mongo_url,
        mongo_db=f"{service}{db_suffix}",
        secret_key=SECRET,
        data_dir=stack.tmp,
        relay_idle_wait_s=0.2,
        relay_confirm_interval_s=0.5,
        consumer_session_timeout_ms=3000,  # as `ocop up` runs them on the embedded broker (joins take half of it)
        consumer_heartbeat_ms=1000,
        log_json=True,
        log_level="WARNING",
        **(token_settings(service) | extra),
    )


def create_app(service: str, settings):
    if service == "registry":
        from ocop_registry.main import create_app as factory
    elif service == "traceability":
        from ocop_traceability.main import create_app as factory
    elif service == "national_sync":
        from ocop_national_sync.main import create_app as factory
    else:
        from ocop_marketplace_sync.main import create_app as factory
    return factory(settings)


@dataclass
class RunningApps:
    apps: dict
    clients: dict[str, httpx.AsyncClient]

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]

    def runtime(self, service: str):
        return self.apps[service].state.runtime


@contextlib.asynccontextmanager
async def run_apps(
    stack: Stack,
    services=("registry", "traceability", "marketplace_sync"),
    db_suffix: str = "",
    extra: dict | None = None,
) -> AsyncIterator[RunningApps]:
    async with contextlib.AsyncExitStack() as es:
        apps, clients = {}, {}
        for service in services:
            app = create_app(
                service, service_settings(service, stack, db_suffix=db_suffix, **(extra or {}).get(service, {}))
            )
            await es.enter_async_context(LifespanManager(app, startup_timeout=60, shutdown_timeout=30))
            apps[service] = app
            clients[service] = await es.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=f"http://{service}"
                )
            )
        yield RunningApps(apps, clients)


@pytest.fixture(scope="session")
async def standins() -> AsyncIterator[Standins]:
    async with serve_standins() as served:
        yield served


def platforms(standins: Standins, sync_attempts: int) -> dict:
    """marketplace_sync's settings for the stand-in platforms: their URLs, a short timeout per call."""
    return {
        "voso_url": standins.voso_url,
        "postmart_url": standins.postmart_url,
        "sync_attempts": sync_attempts,
        "platform_timeout_s": 1.0,
    }


@pytest.fixture(scope="session")
async def apps(stack, standins) -> AsyncIterator[RunningApps]:
    async with run_apps(stack, extra={"marketplace_sync": platforms(standins, sync_attempts=8)}) as running:
        yield running


def token(role: str, producer_id: str | None = None, provinces: tuple[str, ...] = ()) -> str:
    return mint_token(KEYS, role=role, producer_id=producer_id, provinces=provinces)


def auth(role: str, producer_id: str | None = None, provinces: tuple[str, ...] = ()) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, producer_id, provinces)}"}


async def eventually(check: Callable[[], Awaitable], timeout: float = 20.0, interval: float = 0.05):
    """Poll ``check`` until it returns a truthy value; fail with the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


_tax_counter = iter(range(10**6))


def unique_tax_code() -> str:
    n = uuid.uuid4().int % 10**9
    return f"{(n * 10 + next(_tax_counter) % 10) % 10**10:010d}"


#: stamp runs are generated and rendered for real: keep what a fuzzer may order small
HOSTILE_MAX_STAMPS = 40


@pytest.fixture(scope="module")
def hostile_stack(tmp_path_factory) -> Stack:
    """A separate broker + database for the hostile-input tests (tests/hostile): fuzzing creates, revokes
    and voids whatever the generator makes up, and the Kafka cases put garbage and near-limit messages on
    the topics; none of that may leak into the rest of the suite."""
    s = start_stack(tmp_path_factory.mktemp("hostile-stack"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def hostile_apps(hostile_stack) -> AsyncIterator[RunningApps]:
    async with serve_standins() as served:
        extra = {
            "traceability": {"max_stamps_per_run": HOSTILE_MAX_STAMPS},
            "marketplace_sync": platforms(served, sync_attempts=2),
            "national_sync": {"national_portal_url": ""},  # the portal is off: records and readiness only
        }
        services = ("registry", "traceability", "marketplace_sync", "national_sync")
        async with run_apps(hostile_stack, services=services, extra=extra) as running:
            yield running
