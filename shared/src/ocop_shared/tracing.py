"""W3C trace context (``traceparent``) carried from HTTP requests into CloudEvents and logs."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_current: ContextVar[str | None] = ContextVar("traceparent", default=None)


def parse(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    m = _TRACEPARENT.match(header.strip().lower())
    if not m or m.group(1) == "0" * 32:
        return None
    return m.group(1), m.group(2)


def new_traceparent(trace_id: str | None = None) -> str:
    ids = os.urandom(24).hex()  # one system call: a new trace id (if none came in) and this span's id
    return f"00-{trace_id or ids[:32]}-{ids[32:]}-01"


def set_traceparent(value: str | None):
    return _current.set(value)


def reset_traceparent(token) -> None:
    _current.reset(token)


def current_traceparent() -> str | None:
    return _current.get()


def trace_id_of(traceparent: str | None) -> str | None:
    parsed = parse(traceparent)
    return parsed[0] if parsed else None
