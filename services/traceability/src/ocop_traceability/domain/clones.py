"""Clone detection (phát hiện tem sao chép).

A stamp identifies one unit. A genuine unit is scanned by its buyer, family, maybe shop staff: a few
clients, one place. A copied code printed on many fakes is scanned by many unrelated clients, often far
apart. Rule (thresholds are configuration): within ``window`` a stamp seen by at least
``max_clients`` distinct client fingerprints (browser family + hashed network prefix), or at places
more than ``max_km`` apart (only when users shared a location), is a *suspected* clone. The page then
warns without accusing: the producer and officials see the alert and decide.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CloneRule:
    window: timedelta = timedelta(hours=24)
    max_clients: int = 8
    max_km: float = 100.0


@dataclass
class ScanHistory:
    seen: deque = field(default_factory=deque)  # (time, fingerprint, (lat, lon) | None)
    clients: Counter = field(default_factory=Counter)  # fingerprints within the window (kept incrementally)
    located: int = 0  # scans within the window that shared a location (most share none: no pair to measure)

    def add(self, at: datetime, fingerprint: str, location: tuple[float, float] | None, rule: CloneRule) -> None:
        self.seen.append((at, fingerprint, location))
        self.clients[fingerprint] += 1
        self.located += location is not None
        while self.seen and (at - self.seen[0][0] > rule.window or len(self.seen) > 500):
            _t, old, loc = self.seen.popleft()
            self.located -= loc is not None
            self.clients[old] -= 1
            if not self.clients[old]:
                del self.clients[old]

    def suspicious(self, rule: CloneRule) -> str | None:
        clients = self.clients
        if len(clients) >= rule.max_clients:
            return f"{len(clients)} thiết bị khác nhau trong {int(rule.window.total_seconds() // 3600)} giờ"
        if self.located < 2:
            return None
        places = [loc for _t, _fp, loc in self.seen if loc][-50:]
        for i, a in enumerate(places):
            for b in places[i + 1 :]:
                if km(a, b) > rule.max_km:
                    return f"quét ở hai nơi cách nhau {km(a, b):.0f} km"
        return None


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))
