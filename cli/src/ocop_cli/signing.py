"""The registry's token keys as the CLI finds them (``ocop token``, ``load-demo``, ``import``, ``migrate``)."""

from __future__ import annotations

import os
from pathlib import Path

from ocop_shared.keys import KeyRing


def key_dir(data_dir: Path) -> Path:
    """The registry's token keys: ``OCOP_JWT_KEY_DIR``, else ``<data-dir>/jwt`` (what ``ocop up`` uses)."""
    return Path(os.environ.get("OCOP_JWT_KEY_DIR") or Path(data_dir) / "jwt")


def signer(data_dir: Path) -> KeyRing:
    """The registry's signing keys (created on first use, like the registry does)."""
    return KeyRing.load_or_create(key_dir(data_dir))
