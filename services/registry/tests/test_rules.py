"""Domain rules: scores, stars, GTIN, validity dates (property tests included)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_registry.domain.certificate import Certificate, CertificateStatus, add_months, valid_until
from ocop_registry.domain.product import InvalidGtin, gtin_check_digit, normalize_gtin
from ocop_registry.domain.scoring import CRITERIA, CriterionScore, InvalidScores, check_scores, stars_for
from ocop_shared.errors import Conflict


@pytest.mark.parametrize(
    "total, stars", [(0, 1), (29.99, 1), (30, 2), (49.5, 2), (50, 3), (69.9, 3), (70, 4), (89.99, 4), (90, 5), (100, 5)]
)
def test_star_thresholds(total, stars):
    assert stars_for(total) == stars


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_stars_are_monotonic_and_match_bands(total):
    s = stars_for(total)
    assert s == 1 + sum(total >= t for t in (30, 50, 70, 90))
    assert stars_for(min(100, total + 0.5)) >= s


@given(st.sampled_from(sorted(CRITERIA)), st.data())
def test_scores_within_maxima_are_accepted(version, data):
    maxima = CRITERIA[version]
    scores = {p: data.draw(st.floats(min_value=0, max_value=m, allow_nan=False)) for p, m in maxima.items()}
    assert check_scores(version, scores) == pytest.approx(sum(scores.values()), abs=1e-3)


@pytest.mark.parametrize(
    "version, part, value",
    [
        ("QD148-2023", "A", 40.5),
        ("QD148-2023", "C", 36),
        ("QD1048-2019", "A", 36),
        ("QD1048-2019", "C", 40.01),
        ("QD148-2023", "B", -1),
    ],
)
def test_scores_over_part_maximum_are_refused(version, part, value):
    scores = {p: 0.0 for p in CRITERIA[version]} | {part: value}
    with pytest.raises(InvalidScores) as err:
        check_scores(version, scores)
    assert part in err.value.message


def test_criteria_versions_differ_and_unknown_is_refused():
    assert check_scores("QD1048-2019", {"A": 35, "B": 25, "C": 40}) == 100
    with pytest.raises(InvalidScores):
        check_scores("QD148-2023", {"A": 35, "B": 25, "C": 40})  # C max is 35 in 2023
    with pytest.raises(InvalidScores):
        check_scores("QD999", {"A": 1, "B": 1, "C": 1})
    with pytest.raises(InvalidScores):
        check_scores("QD148-2023", {"A": 1, "B": 1})


def test_detail_must_add_up_to_parts():
    detail = {"A": [CriterionScore(criterion="A1", score=20), CriterionScore(criterion="A2", score=10)]}
    assert check_scores("QD148-2023", {"A": 30, "B": 20, "C": 25}, detail) == 75
    with pytest.raises(InvalidScores):
        check_scores("QD148-2023", {"A": 31, "B": 20, "C": 25}, detail)


@pytest.mark.parametrize("gtin", ["8934567890120", "96385074", "036000291452", "10614141000415"])
def test_valid_gtins(gtin):
    assert normalize_gtin(gtin) == gtin


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_a_wrong_check_digit_is_always_refused(body, delta):
    good = body + str(gtin_check_digit(body))
    assert normalize_gtin(good) == good
    bad = body + str((gtin_check_digit(body) + delta) % 10)
    with pytest.raises(InvalidGtin):
        normalize_gtin(bad)


@pytest.mark.parametrize("gtin", ["123", "89345678901", "abcdefghijklm", ""])
def test_malformed_gtins(gtin):
    with pytest.raises(InvalidGtin):
        normalize_gtin(gtin)


@pytest.mark.parametrize(
    "issued, until",
    [
        (date(2024, 2, 29), date(2027, 2, 28)),
        (date(2023, 1, 31), date(2026, 1, 31)),
        (date(2025, 12, 15), date(2028, 12, 15)),
        (date(2021, 3, 1), date(2024, 3, 1)),
    ],
)
def test_validity_is_36_months(issued, until):
    assert valid_until(issued) == until


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_validity_properties(issued):
    until = valid_until(issued)
    assert until.year == issued.year + 3 and until.month == issued.month
    assert until.day == issued.day or (until.day < issued.day and (until + timedelta(days=1)).day == 1)
    assert 1094 <= (until - issued).days <= 1097
    assert add_months(issued, 0) == issued


def cert(**kw):
    base = dict(
        id="c",
        product_id="p",
        producer_id="pr",
        evaluation_id="e",
        stars=4,
        decision_no="1/QĐ-UBND",
        issued_on=date(2023, 1, 10),
        valid_until=date(2026, 1, 10),
        criteria_version="QD148-2023",
        level="province",
        group="food",
        province={"code": "19", "name": "Thái Nguyên"},
    )
    return Certificate(**(base | kw))


def test_transitions_only_from_active():
    now = datetime.now(UTC)
    c = cert()
    assert not c.is_due(date(2026, 1, 10)) and c.is_due(date(2026, 1, 11))
    c.revoke("vi phạm", "2/QĐ-UBND", now)
    assert c.status is CertificateStatus.revoked
    for action in (lambda: c.revoke("x", "y", now), lambda: c.supersede("n"), lambda: c.expire(date(2030, 1, 1), now)):
        with pytest.raises(Conflict):
            action()


def test_validity_past_the_calendar_is_a_domain_error_not_a_crash():
    """Regression: issued_on 9999-12-31 made renew/upgrade/issue answer 500 (date year out of range)."""
    from ocop_shared.errors import DomainError

    with pytest.raises(DomainError) as exc:
        valid_until(date(9999, 12, 31))
    assert exc.value.code == "invalid_date"
    assert valid_until(date(9996, 12, 31)) == date(9999, 12, 31)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_scores_are_refused(value):
    """Regression: a NaN score (JSON ``NaN`` is read by Python's parser) passed the range check and the
    evaluation answered 500."""
    with pytest.raises(InvalidScores):
        check_scores("QD148-2023", {"A": value, "B": 10, "C": 10})
    with pytest.raises(ValueError):
        CriterionScore(criterion="A1", score=value)
