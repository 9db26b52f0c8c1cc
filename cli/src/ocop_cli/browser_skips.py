"""pytest plugin that ``ocop test`` loads (``-p ocop_cli.browser_skips``): it notes every test or module that
was skipped because chromium is missing and writes their node ids to the file ``OCOP_BROWSER_SKIPS_FILE``
names, so the CLI can warn in a way one cannot miss (a skip is one line in pytest's summary otherwise).

The browser tests skip with a reason naming chromium (``conftest.CHROMIUM_MISSING``); the modules skip at
collection, so collection reports are watched as well as test reports.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module for ENV; pytest is only there when tests run
    import pytest

ENV = "OCOP_BROWSER_SKIPS_FILE"
_skipped: dict[str, str] = {}  # node id → skip reason


def skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str | None:
    if not report.skipped:
        return None
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: <reason>")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _note(report: pytest.CollectReport | pytest.TestReport) -> None:
    reason = skip_reason(report)
    if reason is not None and "chromium" in reason.lower():
        _skipped.setdefault(report.nodeid, reason)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note(report)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note(report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get(ENV)
    if target:
        Path(target).write_text(json.dumps([{"nodeid": k, "reason": v} for k, v in _skipped.items()]))
