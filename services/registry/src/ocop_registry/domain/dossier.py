"""Dossier (hồ sơ đánh giá, phân hạng sản phẩm OCOP): one product's application in one cycle year.

A producer fills the registration form (phiếu đăng ký: product, producer, group and sub-group, a summary of the
business plan — phương án sản xuất kinh doanh) and files evidence documents (hồ sơ minh chứng) against the
criteria they support, then submits. An official reviews it: returns it with a comment per item, or accepts
it; a council evaluates it (its members' average); the People's Committee's decision recognises it or not.

    draft ──submit──▶ submitted ──accept──▶ accepted ──(council closes)──▶ evaluated ──(decision)──▶ decided
                         │  ▲                  ▲
                    return  │                  │
                         ▼  │                  │
                      returned ──submit──▶ resubmitted ──accept──┘
                         ▲                     │
                         └───────return────────┘

The form and the evidence change only in ``draft`` and ``returned``. Every transition moves the dossier one
version on and records its event (written to the outbox at commit, keyed by the product).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from ocop_registry.domain.product import ProductGroup
from ocop_shared.errors import Conflict, DomainError, NotFound, Refusal
from ocop_shared.events import models as events
from ocop_shared.events.recording import Recorded

MAX_EVIDENCE = 200  # documents per dossier


class DossierStatus(StrEnum):
    draft = "draft"  # đang soạn
    submitted = "submitted"  # đã nộp
    returned = "returned"  # trả lại để bổ sung
    resubmitted = "resubmitted"  # đã nộp lại
    accepted = "accepted"  # đã tiếp nhận (hồ sơ hợp lệ)
    evaluated = "evaluated"  # hội đồng đã chấm
    decided = "decided"  # đã có quyết định


class DossierKind(StrEnum):
    new = "new"  # đăng ký mới
    renewal = "renewal"  # đánh giá lại khi giấy chứng nhận sắp hết hạn (công nhận lại)
    upgrade = "upgrade"  # nâng hạng sao


EDITABLE = (DossierStatus.draft, DossierStatus.returned)
UNDER_REVIEW = (DossierStatus.submitted, DossierStatus.resubmitted)


class DossierNotFound(Refusal, NotFound, text="Không tìm thấy hồ sơ"): ...


class EvidenceNotFound(Refusal, NotFound, text="Không tìm thấy tài liệu minh chứng"): ...


class DossierWrongStatus(Refusal, Conflict, text="Hồ sơ đang ở trạng thái không cho phép thao tác này"): ...


class DossierIncomplete(Refusal, DomainError, text="Hồ sơ chưa đủ để nộp"): ...


class InvalidEvidence(Refusal, DomainError, text="Tài liệu minh chứng không hợp lệ"): ...


STATUS_NAMES = {
    "draft": "Đang soạn",
    "submitted": "Đã nộp",
    "returned": "Trả lại để bổ sung",
    "resubmitted": "Đã nộp lại",
    "accepted": "Đã tiếp nhận",
    "evaluated": "Hội đồng đã chấm",
    "decided": "Đã có quyết định",
}


class RegistrationForm(BaseModel):
    """Phiếu đăng ký sản phẩm: what the producer states (the product and producer facts are copied from the
    registry when the dossier is created and kept as they were)."""

    product_name: str
    producer_name: str
    group: ProductGroup
    sub_group: str | None = None
    business_plan: str = ""  # tóm tắt phương án sản xuất kinh doanh
    production_capacity: str | None = None  # e.g. "12 tấn/năm"
    target_stars: int | None = Field(default=None, ge=3, le=5)  # hạng sao đề nghị


class Evidence(BaseModel):
    """One document filed against the criteria it supports; the bytes are in the evidence store."""

    id: str
    file_id: str
    filename: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    sha256: str
    pages: int | None = None  # PDF
    width: int | None = None  # images
    height: int | None = None
    title: str
    criteria: list[str]
    uploaded_at: datetime
    uploaded_by: str
    reused_from: str | None = None  # the dossier it was first filed with (renewal, upgrade)


class ReturnItem(BaseModel):
    ref: str  # "form", an evidence id or a criterion code
    comment: str


class Review(BaseModel):
    """An official's return of the dossier: a general comment and one comment per item."""

    at: datetime
    by: str
    comment: str = ""
    items: list[ReturnItem] = Field(default_factory=list)


class Transition(BaseModel):
    status: DossierStatus
    previous: DossierStatus | None
    at: datetime
    by: str


class Result(BaseModel):
    """What the council found: the members' averages (see ``council.average``)."""

    council_id: str
    level: str
    scores: dict[str, float]
    indicators: dict[str, float] | None = None
    total: float
    stars: int
    members: int
    evaluation_id: str


class Outcome(BaseModel):
    """What the decision did with the result."""

    decision_no: str
    decided_on: date
    recognised: bool
    certificate_id: str | None = None
    reason: str | None = None


class Dossier(BaseModel):
    id: str
    product_id: str
    producer_id: str
    province: dict  # the producer's, as recorded when the dossier was made: {"code", "name"}
    commune: dict | None = None
    cycle_year: int
    kind: DossierKind
    criteria_version: str
    sheet_revision: int
    form: RegistrationForm
    status: DossierStatus = DossierStatus.draft
    evidence: list[Evidence] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)
    history: list[Transition] = Field(default_factory=list)
    previous_dossier_id: str | None = None
    previous_certificate_id: str | None = None
    council_id: str | None = None
    result: Result | None = None
    outcome: Outcome | None = None
    created_at: datetime
    created_by: str
    updated_at: datetime
    version: int = 1
    events: list[Recorded] = Field(default_factory=list, exclude=True)

    @property
    def natural_key(self) -> str:
        """One dossier per product and cycle year."""
        return f"{self.product_id}:{self.cycle_year}"

    @property
    def province_code(self) -> str | None:
        return self.province.get("code")

    @property
    def open_review(self) -> Review | None:
        """The comments the producer must answer (while returned)."""
        return self.reviews[-1] if self.status is DossierStatus.returned and self.reviews else None

    # -- changes ---------------------------------------------------------------------------------------

    def created(self, by: str) -> None:
        self.history.append(Transition(status=self.status, previous=None, at=self.created_at, by=by))
        self._record(events.DossierCreated, previous=None)

    def require(self, *allowed: DossierStatus, doing: str) -> None:
        if self.status not in allowed:
            names = ", ".join(STATUS_NAMES[s.value].lower() for s in allowed)
            raise DossierWrongStatus(
                f"Không thể {doing}: hồ sơ đang ở trạng thái '{STATUS_NAMES[self.status.value]}' (cần: {names})"
            )

    def edit_form(self, changes: dict[str, Any], at: datetime) -> None:
        self.require(*EDITABLE, doing="sửa phiếu đăng ký")
        self.form = RegistrationForm.model_validate(self.form.model_dump() | changes)
        self.updated_at = at

    def add_evidence(self, evidence: Evidence, known_codes: dict[str, str]) -> None:
        self.require(*EDITABLE, doing="nộp thêm tài liệu")
        if len(self.evidence) >= MAX_EVIDENCE:
            raise InvalidEvidence(f"Mỗi hồ sơ có tối đa {MAX_EVIDENCE} tài liệu minh chứng")
        check_criteria(evidence.criteria, known_codes)
        self.evidence.append(evidence)
        self.updated_at = evidence.uploaded_at

    def remove_evidence(self, evidence_id: str, at: datetime) -> Evidence:
        self.require(*EDITABLE, doing="gỡ tài liệu")
        found = self.find_evidence(evidence_id)
        self.evidence = [e for e in self.evidence if e.id != evidence_id]
        self.updated_at = at
        return found

    def find_evidence(self, evidence_id: str) -> Evidence:
        for e in self.evidence:
            if e.id == evidence_id:
                return e
        raise EvidenceNotFound()

    def submit(self, by: str, at: datetime) -> None:
        """Nộp hồ sơ (the first time) or nộp lại (after a return)."""
        self.require(*EDITABLE, doing="nộp hồ sơ")
        missing = []
        if len(self.form.business_plan.strip()) < 20:
            missing.append("tóm tắt phương án sản xuất kinh doanh (ít nhất 20 ký tự)")
        if not self.evidence:
            missing.append("ít nhất một tài liệu minh chứng")
        if missing:
            raise DossierIncomplete("Hồ sơ còn thiếu: " + "; ".join(missing))
        again = self.status is DossierStatus.returned
        target = DossierStatus.resubmitted if again else DossierStatus.submitted
        kind = events.DossierResubmitted if again else events.DossierSubmitted
        self._move(target, by, at, kind, evidence_count=len(self.evidence))

    def return_for_changes(self, review: Review, criteria: Iterable[str]) -> None:
        """Trả lại hồ sơ with what to change (a general comment, or a comment per item, or both); an item is
        the form, one of the evidence documents or a criterion of the sheet."""
        self.require(*UNDER_REVIEW, doing="trả lại hồ sơ")
        if not review.comment.strip() and not review.items:
            raise DossierIncomplete("Cần ghi nhận xét chung hoặc nhận xét cho từng mục khi trả lại hồ sơ")
        known = {"form", *(e.id for e in self.evidence), *criteria}
        for item in review.items:
            if item.ref not in known:
                raise DossierIncomplete(f"Mục '{item.ref[:40]}' không có trong hồ sơ")
        self.reviews.append(review)
        self._move(DossierStatus.returned, review.by, review.at, events.DossierReturned, items=len(review.items))

    def accept(self, by: str, at: datetime) -> None:
        """Tiếp nhận hồ sơ hợp lệ: ready for a council."""
        self.require(*UNDER_REVIEW, doing="tiếp nhận hồ sơ")
        self._move(DossierStatus.accepted, by, at, events.DossierAccepted)

    def assign(self, council_id: str) -> None:
        self.require(DossierStatus.accepted, doing="đưa hồ sơ vào hội đồng")
        if self.council_id and self.council_id != council_id:
            raise DossierWrongStatus("Hồ sơ đã được đưa vào một hội đồng khác")
        self.council_id = council_id

    def evaluate(self, result: Result, by: str, at: datetime) -> None:
        self.require(DossierStatus.accepted, doing="ghi kết quả chấm")
        self.result = result
        self._move(
            DossierStatus.evaluated,
            by,
            at,
            events.DossierEvaluated,
            council_id=result.council_id,
            level=result.level,
            total=result.total,
            stars=result.stars,
            members=result.members,
        )

    def decide(self, outcome: Outcome, by: str, at: datetime) -> None:
        self.require(DossierStatus.evaluated, doing="ghi quyết định")
        assert self.result is not None
        self.outcome = outcome
        self._move(
            DossierStatus.decided,
            by,
            at,
            events.DossierDecided,
            decision_no=outcome.decision_no,
            decided_on=outcome.decided_on,
            stars=self.result.stars,
            recognised=outcome.recognised,
            certificate_id=outcome.certificate_id,
            reason=outcome.reason,
        )

    def _move(self, target: DossierStatus, by: str, at: datetime, event: type, **extra: Any) -> None:
        previous = self.status
        self.status, self.updated_at = target, at
        self.version += 1
        self.history.append(Transition(status=target, previous=previous, at=at, by=by))
        self._record(event, previous=previous, **extra)

    def _record(self, event: type, *, previous: DossierStatus | None, **extra: Any) -> None:
        payload = event(
            dossier=snapshot(self),
            previous_status=previous.value if previous else None,
            version=self.version,
            at=self.updated_at,
            **extra,
        )
        self.events.append(Recorded(payload, key=self.product_id, subject=self.id))


def check_criteria(criteria: Iterable[str], known_codes: Iterable[str]) -> None:
    """Evidence supports at least one criterion, each of the dossier's sheet."""
    given, known = list(criteria), set(known_codes)
    unknown = [c[:20] for c in given if c not in known]
    if unknown:
        raise InvalidEvidence(f"Tài liệu phải gắn với tiêu chí của phiếu đánh giá (không có: {', '.join(unknown)})")
    if not given:
        raise InvalidEvidence("Chọn ít nhất một tiêu chí mà tài liệu này chứng minh")


def snapshot(d: Dossier) -> events.DossierSnapshot:
    return events.DossierSnapshot(
        dossier_id=d.id,
        product_id=d.product_id,
        producer_id=d.producer_id,
        cycle_year=d.cycle_year,
        kind=d.kind.value,
        group=d.form.group.value,
        criteria_version=d.criteria_version,
        status=d.status.value,
        province=events.AdminUnit(**d.province) if d.province.get("name") is not None else None,
    )
