"""Clone detection's rule on a stamp's scan history (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocop_traceability.domain.clones import CloneRule, ScanHistory

RULE = CloneRule(window=timedelta(hours=24), max_clients=3, max_km=100.0)
T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)
HANOI, HCMC, NEAR_HANOI = (21.03, 105.85), (10.78, 106.70), (21.05, 105.80)


def test_scans_far_apart_within_the_window_are_suspected_and_near_ones_are_not():
    history = ScanHistory()
    history.add(T0, "a", HANOI, RULE)
    history.add(T0 + timedelta(minutes=5), "a", NEAR_HANOI, RULE)
    assert history.suspicious(RULE) is None
    history.add(T0 + timedelta(minutes=9), "a", None, RULE)  # a scan that shares no place
    assert history.suspicious(RULE) is None
    history.add(T0 + timedelta(hours=2), "a", HCMC, RULE)
    assert history.suspicious(RULE) == "quét ở hai nơi cách nhau 1143 km"


def test_a_place_that_left_the_window_no_longer_counts():
    history = ScanHistory()
    history.add(T0, "a", HANOI, RULE)
    history.add(T0 + timedelta(hours=25), "a", HCMC, RULE)  # the Hà Nội scan is a day and more before
    assert history.located == 1 and history.suspicious(RULE) is None


def test_many_clients_within_the_window_are_suspected():
    history = ScanHistory()
    for i, client in enumerate(("a", "b", "c")):
        assert history.suspicious(RULE) is None
        history.add(T0 + timedelta(minutes=i), client, None, RULE)
    assert history.suspicious(RULE) == "3 thiết bị khác nhau trong 24 giờ"
