"""Council (hội đồng đánh giá, phân hạng sản phẩm OCOP): the members who score a set of dossiers.

An official forms a council for a level (commune / province / central, the levels ``OCOP_COUNCIL_MAX_STARS``
knows), with its members — console accounts of officials or council members, one of them the chair (chủ
tịch hội đồng) — the accepted dossiers it evaluates and the meeting date. Each member scores each dossier on
its criteria sheet, alone: nobody sees another member's scores before the chair closes the council.

A member is *tied* to a producer, and may not score its dossier, when the member's account belongs to that
producer (a council member's account may name the producer it works for) or when a conflict of interest was
declared — by the official who formed the council, or by the member (tự khai báo xung đột lợi ích).

Closing needs a score from every member not tied to the dossier's producer, and at least ``min_scores`` of
them; each dossier's result is the members' average (:func:`average`), and the stars follow from its total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from pydantic import BaseModel, Field

from ocop_registry.domain.dossier import Dossier, DossierStatus
from ocop_registry.domain.scoring import stars_for
from ocop_shared.errors import Conflict, DomainError, Forbidden, NotFound, Refusal

MEMBER_ROLES = ("official", "council_member")  # the accounts that may sit on a council


class CouncilNotFound(Refusal, NotFound, text="Không tìm thấy hội đồng"): ...


class InvalidCouncil(Refusal, DomainError, text="Thành phần hội đồng không hợp lệ"): ...


class CouncilNotOpen(Refusal, Conflict, text="Hội đồng đã kết thúc phiên chấm điểm"): ...


class CouncilIncomplete(Refusal, Conflict, text="Chưa đủ phiếu chấm để kết thúc phiên chấm điểm"): ...


class NotTheChair(Refusal, Forbidden, text="Chỉ chủ tịch hội đồng được kết thúc phiên chấm điểm"): ...


class NotAMember(Refusal, Forbidden, text="Bạn không phải thành viên của hội đồng này"): ...


class MemberTiedToProducer(
    Refusal, Forbidden, text="Thành viên có liên quan đến chủ thể của hồ sơ này nên không được chấm"
): ...


class ScoreAlreadySubmitted(Refusal, Conflict, text="Bạn đã nộp phiếu chấm cho hồ sơ này; phiếu không sửa được"): ...


class DossierNotInCouncil(Refusal, NotFound, text="Hồ sơ không thuộc hội đồng này"): ...


class MemberRole(StrEnum):
    chair = "chair"  # chủ tịch hội đồng
    member = "member"  # thành viên


class CouncilStatus(StrEnum):
    open = "open"  # đang chấm điểm
    closed = "closed"  # chủ tịch đã kết thúc phiên chấm: có kết quả
    decided = "decided"  # đã có quyết định công nhận


class Member(BaseModel):
    username: str
    display_name: str
    role: MemberRole = MemberRole.member
    account_role: str  # official | council_member
    affiliation: str | None = None  # the producer the account belongs to, if any
    conflicts: list[str] = Field(default_factory=list)  # producer ids declared by the official


class Recusal(BaseModel):
    """A member's own declaration of a conflict of interest with one dossier's producer."""

    username: str
    dossier_id: str
    reason: str
    at: datetime


class CouncilDecision(BaseModel):
    decision_no: str  # e.g. 1611/QĐ-UBND
    issued_on: date
    recorded_by: str
    recorded_at: datetime


class MemberScore(BaseModel):
    """One member's score sheet for one dossier (final once submitted)."""

    id: str  # council:dossier:member — unique, so a second sheet is a conflict
    council_id: str
    dossier_id: str
    member: str
    sheet: str  # the criteria sheet's key, e.g. QD148-2023/food@1
    parts: dict[str, float]
    indicators: dict[str, float] | None = None
    total: float
    submitted_at: datetime


def score_id(council_id: str, dossier_id: str, member: str) -> str:
    return f"{council_id}:{dossier_id}:{member}"


class Council(BaseModel):
    id: str
    name: str
    level: str
    province: dict | None  # {"code", "name"}; None for a central council
    meeting_on: date
    members: list[Member]
    dossier_ids: list[str] = Field(default_factory=list)
    status: CouncilStatus = CouncilStatus.open
    recusals: list[Recusal] = Field(default_factory=list)
    created_by: str
    created_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    decision: CouncilDecision | None = None
    version: int = 1

    @property
    def province_code(self) -> str | None:
        return (self.province or {}).get("code")

    @property
    def chair(self) -> Member:
        return next(m for m in self.members if m.role is MemberRole.chair)

    def member(self, username: str) -> Member | None:
        return next((m for m in self.members if m.username == username), None)

    def check_composition(self, min_members: int) -> None:
        names = [m.username for m in self.members]
        if len(set(names)) != len(names):
            raise InvalidCouncil("Một tài khoản chỉ được có tên một lần trong hội đồng")
        if len(names) < min_members:
            raise InvalidCouncil(f"Hội đồng cần ít nhất {min_members} thành viên (có {len(names)})")
        if sum(m.role is MemberRole.chair for m in self.members) != 1:
            raise InvalidCouncil("Hội đồng cần đúng một chủ tịch")
        for m in self.members:
            if m.account_role not in MEMBER_ROLES:
                raise InvalidCouncil(
                    f"Tài khoản '{m.username}' không thể là thành viên hội đồng (chỉ cán bộ hoặc thành viên hội đồng)"
                )

    def require_open(self) -> None:
        if self.status is not CouncilStatus.open:
            raise CouncilNotOpen()

    def add_dossier(self, dossier: Dossier) -> None:
        """A dossier accepted for evaluation, of a producer in the council's province (any, for central)."""
        self.require_open()
        if dossier.id in self.dossier_ids:
            raise Conflict("dossier_already_in_council", "Hồ sơ đã có trong hội đồng này")
        if self.province is not None and dossier.province_code != self.province_code:
            raise InvalidCouncil(
                f"Hồ sơ của chủ thể tỉnh {dossier.province.get('name')}: hội đồng này chỉ đánh giá sản phẩm "
                f"của {self.province.get('name')}"
            )
        dossier.assign(self.id)
        self.dossier_ids.append(dossier.id)

    def tie(self, member: Member, dossier: Dossier) -> str | None:
        """Why ``member`` may not score ``dossier``, or None."""
        if member.affiliation == dossier.producer_id:
            return "tài khoản thuộc chủ thể của hồ sơ"
        if dossier.producer_id in member.conflicts:
            return "đã khai báo xung đột lợi ích với chủ thể"
        if any(r.username == member.username and r.dossier_id == dossier.id for r in self.recusals):
            return "thành viên đã tự khai báo xung đột lợi ích"
        return None

    def scorers(self, dossier: Dossier) -> list[Member]:
        return [m for m in self.members if self.tie(m, dossier) is None]

    def require_may_score(self, username: str, dossier: Dossier) -> Member:
        self.require_open()
        member = self.member(username)
        if member is None:
            raise NotAMember()
        if dossier.id not in self.dossier_ids:
            raise DossierNotInCouncil()
        reason = self.tie(member, dossier)
        if reason:
            raise MemberTiedToProducer(f"Không được chấm hồ sơ này: {reason}")
        return member

    def recuse(self, username: str, dossier: Dossier, reason: str, at: datetime, *, scored: bool) -> None:
        self.require_may_score(username, dossier)
        if scored:
            raise ScoreAlreadySubmitted("Bạn đã nộp phiếu chấm cho hồ sơ này nên không khai báo xung đột được nữa")
        self.recusals.append(Recusal(username=username, dossier_id=dossier.id, reason=reason, at=at))
        self.version += 1

    def close(
        self,
        by: str,
        at: datetime,
        dossiers: Sequence[Dossier],
        scores: Mapping[str, list[MemberScore]],
        *,
        min_scores: int,
    ) -> dict[str, Average]:
        """The chair ends the scoring: every dossier's average, once each has its scores."""
        self.require_open()
        if self.chair.username != by:
            raise NotTheChair()
        if not dossiers:
            raise CouncilIncomplete("Hội đồng chưa có hồ sơ nào")
        gaps = []
        for d in dossiers:
            given = {s.member for s in scores.get(d.id, [])}
            missing = [m.display_name for m in self.scorers(d) if m.username not in given]
            if missing:
                gaps.append(f"{d.form.product_name}: chờ {', '.join(missing)}")
            elif len(given) < min_scores:
                gaps.append(f"{d.form.product_name}: cần ít nhất {min_scores} phiếu chấm (có {len(given)})")
        if gaps:
            raise CouncilIncomplete("Chưa thể kết thúc: " + "; ".join(gaps), details=gaps)
        self.status, self.closed_by, self.closed_at = CouncilStatus.closed, by, at
        self.version += 1
        return {d.id: average(scores[d.id]) for d in dossiers}

    def record_decision(self, decision: CouncilDecision) -> None:
        """The People's Committee's decision on the council's results (once; the same again is a no-op)."""
        if self.decision is not None:
            if (self.decision.decision_no, self.decision.issued_on) != (decision.decision_no, decision.issued_on):
                raise Conflict(
                    "decision_already_recorded",
                    f"Hội đồng đã có quyết định {self.decision.decision_no}; không ghi quyết định khác",
                )
            return
        if self.status is not CouncilStatus.closed:
            raise CouncilNotOpen("Chỉ ghi quyết định sau khi chủ tịch kết thúc phiên chấm điểm")
        self.decision = decision
        self.version += 1

    def mark_decided(self, dossiers: Sequence[Dossier]) -> bool:
        if self.status is CouncilStatus.closed and all(d.status is DossierStatus.decided for d in dossiers):
            self.status = CouncilStatus.decided
            self.version += 1
            return True
        return False


# -- the average -------------------------------------------------------------------------------------

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Average:
    """A dossier's result: the members' average, rounded as :func:`average` says."""

    parts: dict[str, float]
    indicators: dict[str, float] | None
    total: float
    stars: int
    members: int


def _exact(value: float) -> Fraction:
    return Fraction(Decimal(repr(value)))


def _half_up(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def average(scores: Sequence[MemberScore]) -> Average:
    """The members' average, computed exactly and rounded once.

    - total = the mean of the members' totals, rounded half up to 0.01 (69.995 → 70.00: 4★); the stars
      follow from this total by the bands (50 → 3★, 70 → 4★, 90 → 5★);
    - each part (A, B, C) = its mean, to 0.01, made to add up to the total: each part is cut down to 0.01 and
      the hundredths still missing go to the parts with the largest remainders (ties: A before B before C);
    - each indicator = its mean, rounded half up to 0.01 (shown for information; the total does not use it).
    """
    if not scores:
        raise CouncilIncomplete("Không có phiếu chấm")
    n = len(scores)
    parts = list(scores[0].parts)
    exact = {p: sum((_exact(s.parts[p]) for s in scores), Fraction(0)) / n for p in parts}
    total = _half_up(sum(exact.values(), Fraction(0)))
    cents = {p: (exact[p] * 100).__floor__() for p in parts}
    missing = int(total * 100) - sum(cents.values())
    by_remainder = sorted(parts, key=lambda p: (-(exact[p] * 100 - cents[p]), parts.index(p)))
    for p in by_remainder[:missing]:
        cents[p] += 1
    indicators = None
    if all(s.indicators for s in scores):
        codes = list(scores[0].indicators or {})
        indicators = {
            c: float(_half_up(sum((_exact((s.indicators or {})[c]) for s in scores), Fraction(0)) / n)) for c in codes
        }
    return Average(
        parts={p: cents[p] / 100 for p in parts},
        indicators=indicators,
        total=float(total),
        stars=stars_for(float(total)),
        members=n,
    )
