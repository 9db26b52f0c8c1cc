"""``ocop up``: supervise the embedded stack as child processes.

Order: MongoDB-protocol server, Kafka-protocol broker, then the services. Waits for each to be healthy,
restarts a crashed child with exponential backoff, and on SIGINT/SIGTERM stops every child (children
also get SIGTERM from the kernel if this process dies, so none is orphaned).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ocop_cli.stack import Child, broker_command, mongo_command, port_open, service_command


@dataclass
class Ports:
    registry: int = 8001
    traceability: int = 8002
    marketplace_sync: int = 8003
    national_sync: int = 8004
    voso: int = 8101
    postmart: int = 8102
    national_portal: int = 8103
    kafka: int = 9092
    mongo: int = 27017

    @classmethod
    def from_env(cls) -> Ports:
        ports = cls()
        for name in ports.__dataclass_fields__:
            value = os.environ.get(f"OCOP_{name.upper()}_PORT")
            if value:
                setattr(ports, name, int(value))
        return ports


# Marketplace stand-ins (NOT the real platforms; see ocop_marketplace_sync.standins).
STANDINS = {
    "voso": "ocop_marketplace_sync.standins.voso",
    "postmart": "ocop_marketplace_sync.standins.postmart",
    # National traceability portal stand-in (SIMULATED, NOT truyxuatnguongoc.gov.vn; see ocop_national_sync.standin).
    # Started unless OCOP_NATIONAL_PORTAL_URL is set (to another portal, or empty: disabled).
    "national_portal": "ocop_national_sync.standin",
}

SERVICES = {
    "registry": "ocop_registry.main",
    "traceability": "ocop_traceability.main",
    "marketplace_sync": "ocop_marketplace_sync.main",
    "national_sync": "ocop_national_sync.main",
}


@dataclass
class Supervised:
    child: Child
    ready: Callable[[], bool]
    url: str
    backoff: float = 1.0
    restart_at: float | None = None
    started_at: float = 0.0
    restarts: int = 0
    hold_until: float = 0.0  # no restart before this (monotonic time): an outage kept on purpose


@dataclass
class Supervisor:
    data_dir: Path
    host: str = "127.0.0.1"
    ports: Ports = field(default_factory=Ports.from_env)
    log: Callable[[str], None] = print
    items: list[Supervised] = field(default_factory=list)
    stopping: bool = False
    standins: bool = True  # False: the stand-ins run elsewhere (ports.voso / ports.postmart still used)
    extra_env: dict[str, str] = field(default_factory=dict)  # more OCOP_* settings for the services

    @property
    def portal_standin_url(self) -> str | None:
        """The national portal stand-in's URL when ``up`` runs it (else None)."""
        if not self.standins or "OCOP_NATIONAL_PORTAL_URL" in os.environ:
            return None
        return f"http://{self.host}:{self.ports.national_portal}"

    def build(self) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        p, h = self.ports, self.host
        env = {
            "OCOP_KAFKA_BOOTSTRAP": f"{h}:{p.kafka}",
            "OCOP_MONGO_URL": f"mongodb://{h}:{p.mongo}/?directConnection=true",
            "OCOP_DATA_DIR": str(self.data_dir),
            "OCOP_HOST": h,
            "OCOP_VOSO_URL": f"http://{h}:{p.voso}",  # marketplace_sync talks to the stand-ins
            "OCOP_POSTMART_URL": f"http://{h}:{p.postmart}",
            # national_sync talks to the portal stand-in, unless told otherwise (empty: disabled)
            "OCOP_NATIONAL_PORTAL_URL": os.environ.get("OCOP_NATIONAL_PORTAL_URL", f"http://{h}:{p.national_portal}"),
            # the services verify tokens with the registry's public keys, fetched here (and cached)
            "OCOP_JWKS_URL": f"http://{h}:{p.registry}/.well-known/jwks.json",
            # the embedded broker completes a group join after half the session timeout: 1.5 s instead of 3 s for
            # every start and every rebalance after a restart (a Kafka broker would refuse less than 6 s)
            "OCOP_CONSUMER_SESSION_TIMEOUT_MS": os.environ.get("OCOP_CONSUMER_SESSION_TIMEOUT_MS", "3000"),
            "OCOP_CONSUMER_HEARTBEAT_MS": os.environ.get("OCOP_CONSUMER_HEARTBEAT_MS", "1000"),
            **self.extra_env,
        }
        # web console: links between the services' pages (one session cookie serves the whole host)
        for name, port in (
            ("REGISTRY", p.registry),
            ("TRACEABILITY", p.traceability),
            ("MARKETPLACE", p.marketplace_sync),
            ("NATIONAL", p.national_sync),
        ):
            env[f"OCOP_{name}_PUBLIC_URL"] = os.environ.get(f"OCOP_{name}_PUBLIC_URL") or f"http://{h}:{port}"
        self.items = [
            Supervised(
                Child("mongo", mongo_command(h, p.mongo, self.data_dir / "mongo"), log_path=logs / "mongo.log"),
                lambda: port_open(h, p.mongo),
                f"mongodb://{h}:{p.mongo}",
            ),
            Supervised(
                Child("broker", broker_command(h, p.kafka), log_path=logs / "broker.log"),
                lambda: port_open(h, p.kafka),
                f"kafka://{h}:{p.kafka}",
            ),
        ]
        for name, module in SERVICES.items():
            port = getattr(p, name)
            url = f"http://{h}:{port}"
            self.items.append(
                Supervised(
                    Child(
                        name,
                        service_command(module, h, port),
                        env={
                            **env,
                            "OCOP_PORT": str(port),
                            "OCOP_STAMP_BASE_URL": os.environ.get("OCOP_STAMP_BASE_URL", url),
                        },
                        log_path=logs / f"{name}.log",
                    ),
                    _http_ok(f"{url}/healthz"),
                    url,
                )
            )
        for name, module in STANDINS.items() if self.standins else ():
            if name == "national_portal" and self.portal_standin_url is None:
                continue  # another portal (or none) was configured
            port = getattr(p, name)
            url = f"http://{h}:{port}"
            self.items.append(
                Supervised(
                    Child(
                        f"{name} (stand-in)",
                        service_command(module, h, port),
                        log_path=logs / f"{name}.log",
                        env={"OCOP_STANDIN_STATE_FILE": str(self.data_dir / "standins" / f"{name}.json")},
                    ),
                    _http_ok(f"{url}/healthz"),
                    url,
                )
            )

    def start(self, timeout: float = 120.0) -> float:
        """Start everything in order and wait until healthy; returns seconds taken."""
        t0 = time.monotonic()
        infrastructure, services = self.items[:2], self.items[2:]
        for group in (infrastructure, services):  # each group starts in parallel
            for item in group:
                self._start(item)
            for item in group:
                self._wait_ready(item, t0 + timeout)
        return time.monotonic() - t0

    def _start(self, item: Supervised) -> None:
        item.child.start()
        item.started_at = time.monotonic()
        item.restart_at = None

    def _wait_ready(self, item: Supervised, deadline: float) -> None:
        while time.monotonic() < deadline and not self.stopping:
            if item.ready():
                return
            if not item.child.alive():
                raise RuntimeError(
                    f"{item.child.name} exited with {item.child.process.returncode}; see {item.child.log_path}"
                )
            time.sleep(0.1)
        if not self.stopping:
            raise TimeoutError(f"{item.child.name} was not healthy in time; see {item.child.log_path}")

    def watch_once(self) -> None:
        now = time.monotonic()
        for item in self.items:
            if item.child.alive():
                if now - item.started_at > 60:
                    item.backoff = 1.0  # stable again
                continue
            if item.restart_at is None:
                item.restart_at = now + item.backoff
                self.log(
                    f"[yellow]{item.child.name} exited ({item.child.process.returncode}); "
                    f"restarting in {item.backoff:.0f}s[/yellow]"
                )
                item.backoff = min(item.backoff * 2, 30.0)
            elif now >= max(item.restart_at, item.hold_until):
                item.restarts += 1
                self._start(item)

    def item(self, name: str) -> Supervised:
        return next(i for i in self.items if i.child.name == name)

    def kill(self, name: str, hold_s: float = 0.0) -> int:
        """SIGKILL one child (chaos tests); the watcher restarts it, not before ``hold_s`` seconds."""
        item = self.item(name)
        item.hold_until = time.monotonic() + hold_s
        pid = item.child.process.pid
        os.kill(pid, signal.SIGKILL)
        item.child.process.wait(10)
        return pid

    def watch_in_background(self) -> _Watcher:
        watcher = _Watcher(self)
        watcher.start()
        return watcher

    def stop(self) -> None:
        self.stopping = True
        for item in reversed(self.items):
            item.child.stop()

    def install_signal_handlers(self) -> None:
        def handler(signum, _frame):
            self.stopping = True

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def rss_bytes(self) -> int:
        total = 0
        for item in self.items:
            if item.child.alive():
                try:
                    with open(f"/proc/{item.child.process.pid}/status") as fh:
                        for line in fh:
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1]) * 1024
                except OSError:
                    pass
        return total


class _Watcher(threading.Thread):
    """Restarts crashed children. Children it starts are tied to this thread (PR_SET_PDEATHSIG), so it
    runs for as long as the stack does."""

    def __init__(self, supervisor: Supervisor) -> None:
        super().__init__(daemon=True, name="ocop-watcher")
        self.supervisor = supervisor
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.25) and not self.supervisor.stopping:
            self.supervisor.watch_once()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(2)


def _http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check
