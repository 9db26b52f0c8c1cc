"""The council's rules without servers: the average and its rounding (exact examples and a property), who is
tied to a producer, what closing needs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_registry.domain.council import (
    Council,
    CouncilIncomplete,
    InvalidCouncil,
    Member,
    MemberRole,
    MemberScore,
    MemberTiedToProducer,
    NotTheChair,
    average,
)
from ocop_registry.domain.dossier import Dossier, DossierKind, DossierStatus, RegistrationForm
from ocop_registry.domain.product import ProductGroup

NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def sheet(member: str, a: float, b: float, c: float, dossier: str = "d1") -> MemberScore:
    return MemberScore(
        id=f"c1:{dossier}:{member}",
        council_id="c1",
        dossier_id=dossier,
        member=member,
        sheet="QD148-2023/beverage@1",
        parts={"A": a, "B": b, "C": c},
        total=round(a + b + c, 2),
        submitted_at=NOW,
    )


def test_the_total_is_the_mean_of_the_totals_rounded_half_up():
    result = average([sheet("a", 30, 18, 26), sheet("b", 32, 19, 27), sheet("c", 31, 18, 25)])
    assert result.total == 75.33 and result.stars == 4 and result.members == 3
    assert result.parts == {"A": 31.0, "B": 18.33, "C": 26.0}


def test_a_half_hundredth_goes_up_and_crosses_a_band():
    # totals 69.99 and 70.00: mean 69.995 → 70.00 → 4★ (stars come from the rounded total)
    result = average([sheet("a", 30, 20, 19.99), sheet("b", 30, 20, 20)])
    assert result.total == 70.0 and result.stars == 4
    assert average([sheet("a", 30, 20, 19.98), sheet("b", 30, 20, 20)]).stars == 3  # 69.99


def test_the_parts_add_up_to_the_total():
    # each part's mean is 1/3 of a point: rounded alone they would make 0.99, the total is 1.00
    result = average([sheet("a", 1, 1, 1), sheet("b", 0, 0, 0), sheet("c", 0, 0, 0)])
    assert result.total == 1.0 and sum(result.parts.values()) == pytest.approx(1.0)
    assert result.parts == {"A": 0.34, "B": 0.33, "C": 0.33}  # the missing hundredth goes to A (tie: A first)


points = st.integers(0, 4000).map(lambda n: n / 100)


@given(
    st.lists(
        st.tuples(points, points.map(lambda v: min(v, 25)), points.map(lambda v: min(v, 35))), min_size=1, max_size=9
    )
)
def test_rounding_properties(rows):
    result = average([sheet(f"m{n}", a, b, c) for n, (a, b, c) in enumerate(rows)])
    exact_total = sum(Fraction(Decimal(repr(x))) for row in rows for x in row) / len(rows)
    expected = (Decimal(exact_total.numerator) / Decimal(exact_total.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert Decimal(repr(result.total)) == expected
    assert sum(Decimal(repr(v)) for v in result.parts.values()) == expected
    for n, part in enumerate("ABC"):
        exact = sum(Fraction(Decimal(repr(row[n]))) for row in rows) / len(rows)
        assert abs(Fraction(Decimal(repr(result.parts[part]))) - exact) < Fraction(1, 100)


def dossier(producer: str = "p1", dossier_id: str = "d1") -> Dossier:
    return Dossier(
        id=dossier_id,
        product_id=f"prod-{dossier_id}",
        producer_id=producer,
        province={"code": "19", "name": "Thái Nguyên"},
        cycle_year=2026,
        kind=DossierKind.new,
        criteria_version="QD148-2023",
        sheet_revision=1,
        form=RegistrationForm(product_name="Chè", producer_name="HTX", group=ProductGroup.beverage),
        status=DossierStatus.accepted,
        created_at=NOW,
        created_by="canbo",
        updated_at=NOW,
    )


def council(*members: Member, province: dict | None = None) -> Council:
    return Council(
        id="c1",
        name="Hội đồng tỉnh",
        level="province",
        province=province or {"code": "19", "name": "Thái Nguyên"},
        meeting_on=date(2026, 10, 20),
        members=list(members),
        created_by="canbo",
        created_at=NOW,
    )


def member(name: str, *, chair: bool = False, affiliation: str | None = None, conflicts=()) -> Member:
    return Member(
        username=name,
        display_name=name.title(),
        role=MemberRole.chair if chair else MemberRole.member,
        account_role="council_member",
        affiliation=affiliation,
        conflicts=list(conflicts),
    )


def test_composition_rules():
    council(member("a", chair=True), member("b"), member("c")).check_composition(3)
    with pytest.raises(InvalidCouncil, match="ít nhất 3"):
        council(member("a", chair=True), member("b")).check_composition(3)
    with pytest.raises(InvalidCouncil, match="đúng một chủ tịch"):
        council(member("a"), member("b"), member("c")).check_composition(3)
    with pytest.raises(InvalidCouncil, match="một lần"):
        council(member("a", chair=True), member("a"), member("c")).check_composition(3)
    producer_account = member("p").model_copy(update={"account_role": "producer"})
    with pytest.raises(InvalidCouncil, match="không thể là thành viên"):
        council(member("a", chair=True), member("b"), producer_account).check_composition(3)


def test_ties_and_closing():
    d = dossier(producer="p1")
    c = council(member("a", chair=True), member("b", affiliation="p1"), member("c", conflicts=["p1"]), member("d"))
    c.add_dossier(d)
    assert [m.username for m in c.scorers(d)] == ["a", "d"]
    with pytest.raises(MemberTiedToProducer, match="thuộc chủ thể"):
        c.require_may_score("b", d)
    with pytest.raises(MemberTiedToProducer, match="xung đột"):
        c.require_may_score("c", d)
    c.require_may_score("d", d)
    # closing: only the chair, and only once every untied member scored (at least min_scores of them)
    with pytest.raises(NotTheChair):
        c.close("d", NOW, [d], {}, min_scores=2)
    with pytest.raises(CouncilIncomplete, match="chờ D"):
        c.close("a", NOW, [d], {"d1": [sheet("a", 30, 20, 20)]}, min_scores=2)
    with pytest.raises(CouncilIncomplete, match="ít nhất 3"):
        c.close("a", NOW, [d], {"d1": [sheet("a", 30, 20, 20), sheet("d", 30, 20, 20)]}, min_scores=3)
    results = c.close("a", NOW, [d], {"d1": [sheet("a", 30, 20, 20), sheet("d", 32, 20, 20)]}, min_scores=2)
    assert results["d1"].total == 71 and results["d1"].stars == 4 and c.status.value == "closed"


def test_a_provincial_council_takes_only_its_province():
    other = dossier()
    other.province = {"code": "24", "name": "Bắc Ninh"}
    with pytest.raises(InvalidCouncil, match="Bắc Ninh"):
        council(member("a", chair=True)).add_dossier(other)
    central = council(member("a", chair=True))
    central.province = None
    central.add_dossier(other)  # a central council evaluates any province's products
    assert other.council_id == "c1"
