"""Independent GS1 Digital Link oracles for the tests: GS1's own parser (the npm package ``digital-link.js``),
and quiet wrappers of ``biip`` and ``gs1-compression`` (PyPI, dev group).

Import it by path (``sys.path`` gets this folder; module name ``gs1_oracles``): ``gs1-compression`` installs
a top-level package named ``tests`` into site-packages, which shadows this repository's ``tests`` folder for
a plain ``import tests.…`` outside pytest's own test-module imports.

The package is pinned by ``package.json`` + ``package-lock.json`` beside this file and installed with
``npm ci`` into ``.cache/oracles`` (outside git) the first time a test asks for it; after that it works
offline (npm's cache holds the tarballs, and nothing in the package touches the network). ``.ci/run``
installs it before the suite. Without node the tests skip — except under CI, where that is an error.

``digital_link(uris)`` runs node once for the whole batch and answers, per URI, what the library made of it
(``valid``, ``identifier``, ``keyQualifiers``, ``order``, ... or ``error``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
INSTALL_DIR = Path(os.environ.get("OCOP_ORACLES_DIR", ROOT / ".cache" / "oracles"))
NODE = shutil.which("node")
NPM = shutil.which("npm")
MISSING = "node/npm not installed: the digital-link.js oracle needs them (apt-get install nodejs npm)"


def _lock_digest() -> str:
    return hashlib.sha256((HERE / "package-lock.json").read_bytes() + (HERE / "package.json").read_bytes()).hexdigest()


def install() -> Path:
    """``npm ci`` into ``INSTALL_DIR`` unless the same lock is installed there already; returns the dir."""
    if not (NODE and NPM):
        raise RuntimeError(MISSING)
    stamp = INSTALL_DIR / ".installed"
    digest = _lock_digest()
    if stamp.exists() and stamp.read_text() == digest and (INSTALL_DIR / "node_modules" / "digital-link.js").is_dir():
        return INSTALL_DIR
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "check.js"):
        shutil.copyfile(HERE / name, INSTALL_DIR / name)
    subprocess.run(
        [NPM, "ci", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=INSTALL_DIR,
        check=True,
        capture_output=True,
        timeout=300,
    )
    stamp.write_text(digest)
    return INSTALL_DIR


def require() -> Path:
    """The installed oracle, or a skip when node is missing here (an error under CI)."""
    import pytest  # only here: `.ci/run` runs this file with the system python to install the oracle

    if not (NODE and NPM):
        if os.environ.get("CI"):
            raise RuntimeError("CI needs node and npm for the digital-link.js oracle (" + MISSING + ")")
        pytest.skip(MISSING)
    try:
        return install()
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"npm ci of the digital-link.js oracle failed: {exc.stderr.decode()[-2000:]}") from exc


def digital_link(uris: list[str]) -> list[dict[str, Any]]:
    """What digital-link.js makes of each URI (one node process for the batch)."""
    where = require()
    shutil.copyfile(HERE / "check.js", where / "check.js")  # the script may have changed since the install
    done = subprocess.run(
        [NODE or "node", str(where / "check.js")],
        input=json.dumps(uris).encode(),
        cwd=where,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def biip(uri: str) -> dict[str, Any]:
    """What ``biip`` reads from a Digital Link URI: ``{"01": gtin, "10": lot, "21": serial, "22": cpv,
    "gtin_error": ...}`` (only the AIs present), or ``{"error": message}``. A bad GTIN check digit does not
    raise in biip: it leaves ``gtin`` empty and says why in ``gtin_error``."""
    from biip import ParseError
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI

    try:
        parsed = GS1DigitalLinkURI.parse(uri)
    except ParseError as exc:
        return {"error": str(exc)}
    out: dict[str, Any] = {}
    for es in parsed.element_strings:
        ai = es.ai.ai
        out[ai] = es.gtin.value if ai == "01" and es.gtin else es.value
        if ai == "01" and es.gtin_error:
            out["gtin_error"] = es.gtin_error
    return out


def _quiet_gs1_compression() -> None:
    # gs1-compression logs every refusal with a stack trace through a logger literally named '__name__'
    import logging

    logging.getLogger("__name__").disabled = True


def compress(uri: str) -> str:
    """``gs1-compression``'s compressed form of an uncompressed Digital Link URI (no optimisations: they
    crash in 0.1.3)."""
    from gs1 import compress_gs1_digital_link

    _quiet_gs1_compression()
    return compress_gs1_digital_link(uri)


def decompress(uri: str) -> str:
    """``gs1-compression``'s uncompressed form of a compressed URI (beware: it drops leading zeros of
    all-numeric lot and serial values)."""
    from gs1 import decompress_gs1_digital_link

    _quiet_gs1_compression()
    return decompress_gs1_digital_link(uri, use_short_text=False)


if __name__ == "__main__":  # `.ci/run`: install before the suite, so a failure is reported on its own
    print(f"digital-link.js oracle installed in {install()}")
