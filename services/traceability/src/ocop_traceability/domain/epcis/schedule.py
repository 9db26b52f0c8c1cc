"""Schedules of query subscriptions (pure), as the REST bindings write them: each of ``second``, ``minute``,
``hour``, ``dayOfMonth``, ``month``, ``dayOfWeek`` (1 = Monday … 7 = Sunday) a comma list of numbers and
``[a-b]`` ranges; an omitted field matches any value, except that omitted seconds mean 0 (a schedule
``{"hour": "1", "minute": "5"}`` fires once a day). The bindings' patterns use Ruby regex syntax Python
cannot compile, so this is parsed by hand. Times are Vietnam's (UTC+7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ocop_traceability.domain.epcis.errors import SubscriptionControlsException
from ocop_traceability.domain.epcis.mapping import VIETNAM

FIELDS = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "dayOfMonth": (1, 31),
    "month": (1, 12),
    "dayOfWeek": (1, 7),
}
_ELEMENT = re.compile(r"^(\d{1,2})$|^\[(\d{1,2})-(\d{1,2})\]$")


@dataclass(frozen=True)
class Schedule:
    allowed: dict[str, frozenset[int]]

    @classmethod
    def parse(cls, spec: object) -> Schedule:
        if not isinstance(spec, dict) or not spec:
            raise SubscriptionControlsException("schedule must be an object with at least one field")
        allowed: dict[str, frozenset[int]] = {}
        for name, value in spec.items():
            if name not in FIELDS:
                raise SubscriptionControlsException(f"schedule: unknown field {str(name)[:40]!r}")
            low, high = FIELDS[name]
            values: set[int] = set()
            for element in str(value).replace(" ", "").split(","):
                m = _ELEMENT.match(element)
                if not m:
                    raise SubscriptionControlsException(f"schedule.{name}: {element[:40]!r} is not a number or [a-b]")
                a, b = (int(m[1]), int(m[1])) if m[1] else (int(m[2]), int(m[3]))
                if not low <= a <= b <= high:
                    raise SubscriptionControlsException(f"schedule.{name}: values must be {low}–{high}")
                values.update(range(a, b + 1))
            allowed[name] = frozenset(values)
        allowed.setdefault("second", frozenset({0}))
        return cls(allowed)

    def matches(self, moment: datetime) -> bool:
        local = moment.astimezone(VIETNAM)
        now = {
            "second": local.second,
            "minute": local.minute,
            "hour": local.hour,
            "dayOfMonth": local.day,
            "month": local.month,
            "dayOfWeek": local.isoweekday(),
        }
        return all(now[k] in v for k, v in self.allowed.items())

    def next_after(self, moment: datetime, horizon_days: int = 400) -> datetime | None:
        """The first whole second after ``moment`` the schedule fires (None if never within the horizon)."""
        t = moment.replace(microsecond=0) + timedelta(seconds=1)
        end = t + timedelta(days=horizon_days)
        while t < end:
            local = t.astimezone(VIETNAM)
            if not self._day_ok(local):
                t = (local.replace(hour=0, minute=0, second=0) + timedelta(days=1)).astimezone(t.tzinfo)
                continue
            if local.hour not in self.allowed.get("hour", range(24)):
                t = (local.replace(minute=0, second=0) + timedelta(hours=1)).astimezone(t.tzinfo)
                continue
            if local.minute not in self.allowed.get("minute", range(60)):
                t = (local.replace(second=0) + timedelta(minutes=1)).astimezone(t.tzinfo)
                continue
            if local.second in self.allowed["second"]:
                return t
            t += timedelta(seconds=1)
        return None

    def _day_ok(self, local: datetime) -> bool:
        return (
            local.month in self.allowed.get("month", range(1, 13))
            and local.day in self.allowed.get("dayOfMonth", range(1, 32))
            and local.isoweekday() in self.allowed.get("dayOfWeek", range(1, 8))
        )
