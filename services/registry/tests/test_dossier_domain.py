"""The dossier's statuses without servers: every action from every status either moves it as the diagram says
(one version on, one event) or is refused with 409 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from ocop_registry.domain.dossier import (
    Dossier,
    DossierIncomplete,
    DossierKind,
    DossierStatus,
    DossierWrongStatus,
    Evidence,
    InvalidEvidence,
    Outcome,
    RegistrationForm,
    Result,
    ReturnItem,
    Review,
)
from ocop_registry.domain.product import ProductGroup
from ocop_shared.events import models as events

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
CODES = {"A": "Phần A", "A1.1": "Nguồn nguyên liệu", "C2.2": "Kiểm nghiệm"}
S = DossierStatus


def evidence(n: int = 1) -> Evidence:
    return Evidence(
        id=f"e{n}",
        file_id=f"f{n}",
        filename="hop-dong.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="0" * 64,
        title="Hợp đồng",
        criteria=["A1.1"],
        uploaded_at=NOW,
        uploaded_by="thoa",
    )


def dossier(status: DossierStatus = S.draft) -> Dossier:
    d = Dossier(
        id="d1",
        product_id="p1",
        producer_id="pr1",
        province={"code": "19", "name": "Thái Nguyên"},
        cycle_year=2026,
        kind=DossierKind.new,
        criteria_version="QD148-2023",
        sheet_revision=1,
        form=RegistrationForm(
            product_name="Miến dong", producer_name="HTX Na Rì", group=ProductGroup.food, business_plan="x" * 40
        ),
        evidence=[evidence()],
        status=status,
        created_at=NOW,
        created_by="thoa",
        updated_at=NOW,
    )
    if status in (S.evaluated,):
        d.result = result()
    return d


def result() -> Result:
    return Result(
        council_id="c1",
        level="province",
        scores={"A": 30, "B": 18, "C": 26},
        total=74,
        stars=4,
        members=3,
        evaluation_id="ev1",
    )


REVIEW = Review(
    at=NOW, by="canbo", comment="Bổ sung", items=[ReturnItem(ref="C2.2", comment="Thiếu phiếu kiểm nghiệm")]
)
OUTCOME = Outcome(decision_no="1/QĐ-UBND", decided_on=date(2026, 11, 1), recognised=True, certificate_id="cert1")

ACTIONS: dict[str, Callable[[Dossier], None]] = {
    "submit": lambda d: d.submit("thoa", NOW),
    "return": lambda d: d.return_for_changes(REVIEW, CODES),
    "accept": lambda d: d.accept("canbo", NOW),
    "evaluate": lambda d: d.evaluate(result(), "chair", NOW),
    "decide": lambda d: d.decide(OUTCOME, "canbo", NOW),
    "edit": lambda d: d.edit_form({"sub_group": "Thực phẩm chế biến"}, NOW),
    "file": lambda d: d.add_evidence(evidence(2), CODES),
}
# (from, action) → to; None: allowed without a status change; anything else: 409
MOVES = {
    (S.draft, "submit"): S.submitted,
    (S.returned, "submit"): S.resubmitted,
    (S.submitted, "return"): S.returned,
    (S.resubmitted, "return"): S.returned,
    (S.submitted, "accept"): S.accepted,
    (S.resubmitted, "accept"): S.accepted,
    (S.accepted, "evaluate"): S.evaluated,
    (S.evaluated, "decide"): S.decided,
    (S.draft, "edit"): None,
    (S.returned, "edit"): None,
    (S.draft, "file"): None,
    (S.returned, "file"): None,
}
EVENTS = {
    S.submitted: events.DossierSubmitted,
    S.resubmitted: events.DossierResubmitted,
    S.returned: events.DossierReturned,
    S.accepted: events.DossierAccepted,
    S.evaluated: events.DossierEvaluated,
    S.decided: events.DossierDecided,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_status(status, action):
    d = dossier(status)
    before = d.model_dump()
    key = (status, action)
    if key not in MOVES:
        with pytest.raises(DossierWrongStatus) as refused:
            ACTIONS[action](d)
        assert refused.value.status == 409
        assert d.model_dump() == before and not d.events
        return
    ACTIONS[action](d)
    target = MOVES[key]
    if target is None:
        assert d.status is status and d.version == 1 and not d.events
        return
    assert d.status is target and d.version == 2
    [recorded] = d.events
    assert isinstance(recorded.payload, EVENTS[target])
    assert recorded.key == "p1" and recorded.subject == "d1"
    assert recorded.payload.previous_status == status.value and recorded.payload.dossier.status == target.value
    assert d.history[-1].status is target and d.history[-1].previous is status


def test_creation_records_its_event():
    d = dossier()
    d.created("thoa")
    [recorded] = d.events
    assert isinstance(recorded.payload, events.DossierCreated) and recorded.payload.version == 1


def test_submitting_needs_a_plan_and_evidence():
    d = dossier()
    d.form.business_plan = "ngắn"
    d.evidence = []
    with pytest.raises(DossierIncomplete) as refused:
        d.submit("thoa", NOW)
    assert "phương án" in refused.value.message and "tài liệu" in refused.value.message


def test_a_return_needs_a_comment_on_known_items():
    d = dossier(S.submitted)
    with pytest.raises(DossierIncomplete):
        d.return_for_changes(Review(at=NOW, by="canbo"), CODES)
    with pytest.raises(DossierIncomplete, match="không có trong hồ sơ"):
        d.return_for_changes(Review(at=NOW, by="canbo", items=[ReturnItem(ref="Z9", comment="??")]), CODES)
    d.return_for_changes(Review(at=NOW, by="canbo", items=[ReturnItem(ref="e1", comment="Ảnh mờ")]), CODES)
    assert d.open_review is not None and d.open_review.items[0].ref == "e1"


def test_evidence_names_criteria_of_the_sheet():
    d = dossier()
    with pytest.raises(InvalidEvidence, match="Z9"):
        d.add_evidence(evidence(2).model_copy(update={"criteria": ["Z9"]}), CODES)
    with pytest.raises(InvalidEvidence, match="ít nhất một"):
        d.add_evidence(evidence(3).model_copy(update={"criteria": []}), CODES)
    removed = d.remove_evidence("e1", NOW)
    assert removed.file_id == "f1" and d.evidence == []
