"""Login throttling (chống dò mật khẩu): per account and per network prefix, growing delays, then a lock.

The account is the username as typed (normalised), whether or not it exists: an unknown name is throttled
exactly like a real one, so the answers tell nothing about which accounts exist. A failure counts for the
account and for the caller's network (/24, /48); the first ``free`` failures are answered at once, then each
attempt must wait ``base_delay_s`` doubling up to ``max_delay_s`` after the previous failure, and ``lock_after``
failures lock for ``lock_s``. Failures older than ``window_s`` are forgotten; a successful sign-in clears the
account's count. Times are epoch seconds (pure: the caller gives ``now``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ocop_shared.errors import AppError


@dataclass(frozen=True)
class ThrottleRule:
    free: int
    lock_after: int
    lock_s: float
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    window_s: float = 900.0


@dataclass(frozen=True)
class Attempts:
    """What one key (``user:<name>`` or ``net:<prefix>``) has tried lately."""

    key: str
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0

    def current(self, rule: ThrottleRule, now: float) -> Attempts:
        """The record with old failures forgotten."""
        if self.locked_until <= now and now - self.last_failure > rule.window_s:
            return Attempts(self.key)
        return self

    def wait_s(self, rule: ThrottleRule, now: float) -> float:
        """How long before the next attempt is taken (0: now)."""
        state = self.current(rule, now)
        if state.locked_until > now:
            return state.locked_until - now
        if state.failures < rule.free:
            return 0.0
        delay = min(rule.base_delay_s * 2 ** (state.failures - rule.free), rule.max_delay_s)
        return max(0.0, state.last_failure + delay - now)

    def failed(self, rule: ThrottleRule, now: float) -> Attempts:
        state = self.current(rule, now)
        failures = state.failures + 1
        locked = now + rule.lock_s if failures >= rule.lock_after else state.locked_until
        return replace(state, failures=failures, last_failure=now, locked_until=locked)

    def locked(self, now: float) -> bool:
        return self.locked_until > now


def wait_text(seconds: float) -> str:
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} phút"
    return f"{max(1, math.ceil(seconds))} giây"


class TooManyAttempts(AppError, status=429, code="too_many_attempts"):
    """429 with Retry-After; the same for every username (existing or not)."""

    def __init__(self, wait_s: float, locked: bool) -> None:
        self.retry_after = max(1, math.ceil(wait_s))
        message = (
            f"Đăng nhập sai quá nhiều lần nên tạm thời bị khoá. Vui lòng thử lại sau {wait_text(wait_s)}."
            if locked
            else f"Đăng nhập sai nhiều lần. Vui lòng chờ {wait_text(wait_s)} rồi thử lại."
        )
        super().__init__(message=message)
        self.headers = {"Retry-After": str(self.retry_after)}


__all__ = ["Attempts", "ThrottleRule", "TooManyAttempts", "wait_text"]
