"""`ocop up` as a user runs it: a real process tree on free ports, demo data, crash restart, clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ocop_cli.stack import free_port

pytestmark = pytest.mark.integration


def children_of(pid: int) -> set[int]:
    """All descendants of pid (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_http(url: str, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=1)
            if r.status_code == 200:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not healthy within {timeout}s")


def test_up_demo_restart_and_clean_stop(tmp_path):
    ports = {
        name: free_port()
        for name in ("registry", "traceability", "marketplace_sync", "kafka", "mongo", "voso", "postmart")
    }
    env = {**os.environ, **{f"OCOP_{k.upper()}_PORT": str(v) for k, v in ports.items()}}
    env.pop("OCOP_JWT_SECRET", None)
    log = open(tmp_path / "up.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocop_cli.main", "up", "--demo", "--data-dir", str(tmp_path / "data")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{ports['traceability']}/healthz", 120)
        deadline = time.monotonic() + 60
        while "Token for the API" not in (tmp_path / "up.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        output = (tmp_path / "up.log").read_text()
        assert "healthy in" in output and "8 producers created" in output, output
        assert "Demo stamps (Chè Shan tuyết Chợ Đồn):" in output and "not fully loaded" not in output, output
        urls = dict(re.findall(r"Scan a (genuine stamp|stamp of the revoked product): (http\S+)", output))
        assert set(urls) == {"genuine stamp", "stamp of the revoked product"}, output
        expected = {"genuine stamp": "genuine", "stamp of the revoked product": "revoked"}
        for label, url in urls.items():  # the URLs printed open the public scan page with the right verdict
            deadline = time.monotonic() + 30
            while (verdict := httpx.get(url, headers={"Accept": "application/json"}).json()["verdict"]) != expected[
                label
            ] and time.monotonic() < deadline:
                time.sleep(0.3)
            assert verdict == expected[label], (label, url, verdict)
            page = httpx.get(url)
            assert page.status_code == 200 and "<html" in page.text
            screenshot(url, f"demo-{expected[label]}-390x844.png")  # what opening the printed URL shows
        for standin in ("voso", "postmart"):  # the demo's certified products get listed on both stand-ins

            def active(port=ports[standin]):
                held = httpx.get(f"http://127.0.0.1:{port}/__inspect/products").json()
                return [p for p in held if p["status"] == "active"]

            deadline = time.monotonic() + 60
            while len(active()) < 7 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert len(active()) == 7, (standin, active())  # 8 demo products, one revoked

        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "ocop_cli.main",
                "token",
                "--role",
                "operator",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        producers = httpx.get(
            f"http://127.0.0.1:{ports['registry']}/api/v1/producers", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert {p["name"] for p in producers} >= {"HTX Sang Hà", "Hộ kinh doanh Hà Thị Thoa"}
        sang_ha = next(p for p in producers if p["name"] == "HTX Sang Hà")  # recorded with its pre-reform address
        assert sang_ha["province"]["code"] == "19" and sang_ha["recorded"]["district"]["name"] == "Huyện Ngân Sơn"
        check_console_demo_login(ports)

        # loading the demo a second time duplicates nothing
        def counts():
            auth = {"Authorization": f"Bearer {token}"}
            reg, trace = f"http://127.0.0.1:{ports['registry']}", f"http://127.0.0.1:{ports['traceability']}"
            return {
                "producers": len(httpx.get(f"{reg}/api/v1/producers", headers=auth).json()),
                "products": len(httpx.get(f"{reg}/api/v1/products", headers=auth).json()),
                "certificates": len(httpx.get(f"{reg}/api/v1/certificates", headers=auth).json()),
                "areas": len(httpx.get(f"{trace}/api/v1/growing-areas", headers=auth).json()),
                "batches": len(httpx.get(f"{trace}/api/v1/batches", headers=auth).json()),
                "runs": len(httpx.get(f"{trace}/api/v1/stamp-runs", headers=auth).json()),
            }

        before = counts()
        assert before == {"producers": 8, "products": 8, "certificates": 8, "areas": 8, "batches": 3, "runs": 3}
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "ocop_cli.main",
                "demo",
                "--data-dir",
                str(tmp_path / "data"),
                "--registry-url",
                f"http://127.0.0.1:{ports['registry']}",
                "--traceability-url",
                f"http://127.0.0.1:{ports['traceability']}",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0 and "0 producers created, 8 already there" in again.stdout, again.stdout
        assert counts() == before

        # kill -9 the traceability service: the supervisor restarts it and it catches up
        tree = children_of(proc.pid)
        victim = next(
            pid
            for pid in tree
            if f"--port {ports['traceability']}"
            in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        )
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.5)
        wait_http(f"http://127.0.0.1:{ports['traceability']}/healthz", 60)
        sample = producers[0]["id"]
        copy = wait_http_json(f"http://127.0.0.1:{ports['traceability']}/api/v1/producers/{sample}", token, 30)
        assert copy["public_name"] == producers[0]["public_name"]
        assert "restarting" in (tmp_path / "up.log").read_text()

        tree = children_of(proc.pid)
        assert len(tree) >= 7
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0 or proc.returncode in (0, -signal.SIGTERM)
        time.sleep(0.5)
        assert [pid for pid in tree if alive(pid)] == [], "orphaned children left behind"
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def wait_http_json(url: str, token: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=2)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered 200")


def check_console_demo_login(ports: dict[str, int]) -> None:
    """A demo producer signs in on the registry; the one cookie opens traceability's pages on the same host."""
    import re

    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        form = browser.get(f"http://127.0.0.1:{ports['registry']}/console/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        signed_in = browser.post(
            f"http://127.0.0.1:{ports['registry']}/console/login",
            data={"username": "thoa", "password": "ocop-demo-2025", "csrf_token": csrf},
        )
        assert signed_in.status_code == 303, signed_in.text
        batches = browser.get(f"http://127.0.0.1:{ports['traceability']}/console/batches")
        assert batches.status_code == 200 and "CD-2610-01" in batches.text
        # links follow the ports: the navigation links each other service's console start page
        assert f'href="http://127.0.0.1:{ports["marketplace_sync"]}/console"' in batches.text


def screenshot(url: str, name: str) -> None:
    """Keep a phone-size picture of a demo page (test-artifacts/) when Debian's chromium is installed."""
    from conftest import ARTIFACTS, CHROMIUM, run_chromium

    if not CHROMIUM:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run_chromium(f"--screenshot={ARTIFACTS / name}", url)
    assert (ARTIFACTS / name).stat().st_size > 10_000, name
