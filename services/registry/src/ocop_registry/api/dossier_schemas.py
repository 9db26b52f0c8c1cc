"""Response schemas of the dossier and council routes (inputs are ``app/dossier_inputs.py``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from ocop_registry.app.councils import CouncilView
from ocop_registry.domain.council import Council, MemberScore
from ocop_registry.domain.criteria import CriteriaSheet
from ocop_registry.domain.dossier import STATUS_NAMES, Dossier, Outcome, RegistrationForm, Result, Review, Transition
from ocop_shared.events.models import AdminUnit


class EvidenceOut(BaseModel):
    id: str
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    criteria: list[str]
    uploaded_at: datetime
    uploaded_by: str
    reused_from: str | None = None
    download: str = Field(description="GET this path for the file (always an attachment)")


class DossierOut(BaseModel):
    id: str
    product_id: str
    producer_id: str
    province: AdminUnit
    commune: AdminUnit | None = None
    cycle_year: int
    kind: str
    criteria_version: str
    sheet_revision: int
    form: RegistrationForm
    status: str
    status_label: str
    evidence: list[EvidenceOut]
    reviews: list[Review]
    history: list[Transition]
    previous_dossier_id: str | None = None
    previous_certificate_id: str | None = None
    council_id: str | None = None
    result: Result | None = None
    outcome: Outcome | None = None
    created_at: datetime
    updated_at: datetime
    version: int


def dossier_out(d: Dossier) -> DossierOut:
    data = d.model_dump(mode="json", exclude={"evidence", "created_by"})
    evidence = [
        EvidenceOut(
            **e.model_dump(mode="json", exclude={"file_id"}), download=f"/api/v1/dossiers/{d.id}/evidence/{e.id}"
        )
        for e in d.evidence
    ]
    return DossierOut(**data, status_label=STATUS_NAMES[d.status.value], evidence=evidence)


class MemberOut(BaseModel):
    username: str
    display_name: str
    role: str


class CouncilDossierOut(BaseModel):
    dossier_id: str
    product_id: str
    product_name: str
    producer_name: str
    status: str
    sheets: int = Field(description="how many members have scored it (their scores stay hidden until closed)")
    expected: int = Field(description="how many members may score it (those not tied to its producer)")
    scored_by_me: bool
    result: Result | None = None


class ScoreOut(BaseModel):
    council_id: str
    dossier_id: str
    member: str
    sheet: str
    parts: dict[str, float]
    indicators: dict[str, float] | None = None
    total: float
    submitted_at: datetime


def score_out(s: MemberScore) -> ScoreOut:
    return ScoreOut(**s.model_dump(mode="json", exclude={"id"}))


class CouncilOut(BaseModel):
    id: str
    name: str
    level: str
    province: AdminUnit | None = None
    meeting_on: date
    status: str
    members: list[MemberOut]
    dossiers: list[CouncilDossierOut] = Field(default_factory=list)
    decision: dict | None = None
    closed_at: datetime | None = None
    scores: list[ScoreOut] = Field(
        default_factory=list, description="the caller's own sheets while open; every sheet once closed"
    )


def council_out(c: Council, view: CouncilView | None = None) -> CouncilOut:
    members = [MemberOut(username=m.username, display_name=m.display_name, role=m.role.value) for m in c.members]
    out = CouncilOut(
        **c.model_dump(mode="json", include={"id", "name", "level", "province", "meeting_on", "status", "closed_at"}),
        members=members,
        decision=c.decision.model_dump(mode="json", include={"decision_no", "issued_on"}) if c.decision else None,
    )
    if view is None:
        return out
    out.dossiers = [
        CouncilDossierOut(
            dossier_id=r.dossier.id,
            product_id=r.dossier.product_id,
            product_name=r.dossier.form.product_name,
            producer_name=r.dossier.form.producer_name,
            status=r.dossier.status.value,
            sheets=r.sheets,
            expected=r.expected,
            scored_by_me=r.mine is not None,
            result=r.dossier.result,
        )
        for r in view.rows
    ]
    shown = [s for r in view.rows for s in r.scores] if not view.open else [r.mine for r in view.rows if r.mine]
    out.scores = [score_out(s) for s in shown]
    return out


class IndicatorOut(BaseModel):
    code: str
    name: str
    max: float
    evidence: str = ""


class PartOut(BaseModel):
    code: str
    name: str
    max: float
    indicators: list[IndicatorOut]


class CriteriaSheetOut(BaseModel):
    version: str
    group: str
    revision: int
    title: str
    source: dict[str, str]
    itemised: bool
    parts: list[PartOut]


def sheet_out(s: CriteriaSheet) -> CriteriaSheetOut:
    parts = [
        PartOut(code=p.code, name=p.name, max=p.max, indicators=[IndicatorOut(**i.model_dump()) for i in p.indicators])
        for p in s.parts
    ]
    return CriteriaSheetOut(
        **s.model_dump(include={"version", "group", "revision", "title", "source"}), itemised=s.itemised, parts=parts
    )
