"""The dossier, council and decision use cases on the in-memory unit of work (no servers): what each caller
may see and do, scores hidden until the chair closes, the decision through the certificate rules, a refused
upload leaves no stored file, renewal notices."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from ocop_registry.adapters.criteria_files import load_sheets
from ocop_registry.app import councils, decisions, dossiers
from ocop_registry.app.dossier_commands import (
    AcceptDossier,
    AddEvidence,
    CloseCouncil,
    CreateCouncil,
    CreateDossier,
    RecordDecision,
    SubmitDossier,
    SubmitScore,
)
from ocop_registry.app.dossier_inputs import CouncilDecisionIn, CouncilIn, DossierIn, MemberIn, ScoreIn
from ocop_registry.domain.certificate import add_months
from ocop_registry.domain.dossier import DossierNotFound, DossierStatus, InvalidEvidence
from ocop_registry.domain.errors import ForbiddenRole
from ocop_registry.domain.product import ProductGroup
from ocop_registry.domain.user import User
from ocop_shared.auth import Principal
from ocop_shared.events import models as events
from services.registry.tests.fakes import NOW, FakeEvidenceStore

pytest_plugins = ("services.registry.tests.fakes",)
BOOK = load_sheets()
OFFICIAL = Principal(subject="canbo", role="official", provinces=("19",))
TODAY = date(2026, 10, 1)
MEMBERS = ("chu-tich", "chuyen-gia-1", "chuyen-gia-2")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def world(uow, seed):
    seed.producer("htx-na-ri")
    product = seed.product("mien-dong", "htx-na-ri")
    product.group = ProductGroup.food
    for name in MEMBERS:
        uow.users.items[name] = User(id=name, password_hash="x", role="council_member", created_at=NOW)
    return Principal(subject="na-ri", role="producer", producer_id="htx-na-ri")


def member(name: str) -> Principal:
    return Principal(subject=name, role="council_member")


async def accepted(uow, owner, store) -> str:
    body = DossierIn(product_id="mien-dong", cycle_year=2026, form={"business_plan": "Mở rộng vùng dong riềng 20 ha"})
    d = await dossiers.create_dossier(CreateDossier(body, TODAY), owner, uow, criteria=BOOK)
    await dossiers.add_evidence(
        AddEvidence(d.id, png(), "anh.png", "Ảnh vùng nguyên liệu", ("A1.1",)),
        owner,
        uow,
        store=store,
        criteria=BOOK,
        max_bytes=1024 * 1024,
    )
    await dossiers.submit_dossier(SubmitDossier(d.id), owner, uow)
    await dossiers.accept_dossier(AcceptDossier(d.id), OFFICIAL, uow)
    return d.id


def food(short: float) -> dict[str, float]:
    """Every indicator at its maximum but A1.1 (5 points), ``short`` points below it: 100 − short in all."""
    sheet = BOOK.sheet("QD148-2023", "food")
    return {code: i.max for code, (_p, i) in sheet.indicators().items()} | {"A1.1": 5 - short}


async def test_a_refused_upload_leaves_no_stored_file(uow, world):
    store = FakeEvidenceStore()
    d = await dossiers.create_dossier(
        CreateDossier(DossierIn(product_id="mien-dong", cycle_year=2026), TODAY), world, uow, criteria=BOOK
    )
    with pytest.raises(InvalidEvidence):
        await dossiers.add_evidence(
            AddEvidence(d.id, b"<html></html>", "a.pdf", "Giả", ("A1.1",)),
            world,
            uow,
            store=store,
            criteria=BOOK,
            max_bytes=1000,
        )
    with pytest.raises(InvalidEvidence):  # the dossier refuses it after storing: the file is deleted again
        await dossiers.add_evidence(
            AddEvidence(d.id, png(), "a.png", "Ảnh", ("Z9",)), world, uow, store=store, criteria=BOOK, max_bytes=10**6
        )
    assert store.files == {}
    # another producer cannot even ask
    stranger = Principal(subject="x", role="producer", producer_id="someone-else")
    with pytest.raises(DossierNotFound):
        await dossiers.check_may_file(d.id, stranger, uow)


async def test_the_whole_way_on_the_in_memory_unit_of_work(uow, world, seed):
    store = FakeEvidenceStore()
    dossier_id = await accepted(uow, world, store)
    council = await councils.create_council(
        CreateCouncil(
            CouncilIn(
                name="Hội đồng tỉnh Thái Nguyên",
                level="province",
                province="19",
                meeting_on=date(2026, 10, 20),
                members=[
                    MemberIn(username=MEMBERS[0], role="chair"),
                    MemberIn(username=MEMBERS[1]),
                    MemberIn(username=MEMBERS[2]),
                ],
                dossier_ids=[dossier_id],
            )
        ),
        OFFICIAL,
        uow,
        councils=seed.councils,
        min_members=3,
    )
    # the producer is no member; members score alone, and see only their own sheet while open
    with pytest.raises(ForbiddenRole):
        await councils.list_councils(world, uow)
    for name, short in zip(MEMBERS, (0, 1, 2), strict=True):  # 100, 99, 98
        cmd = SubmitScore(council.id, ScoreIn(dossier_id=dossier_id, scores=food(short)))
        await councils.submit_score(cmd, member(name), uow, criteria=BOOK)
    view = await councils.council_view(council.id, member(MEMBERS[1]), uow)
    assert [r.mine.member for r in view.rows if r.mine] == [MEMBERS[1]] and view.rows[0].scores == []
    assert (await councils.council_view(council.id, OFFICIAL, uow)).rows[0].sheets == 3
    await councils.close_council(CloseCouncil(council.id, date(2026, 10, 20)), member(MEMBERS[0]), uow, min_scores=3)
    view = await councils.council_view(council.id, member(MEMBERS[1]), uow)
    assert len(view.rows[0].scores) == 3 and view.rows[0].dossier.result.total == 99.0
    # the decision: 5★ is more than a provincial council may award → decided without a certificate
    decision = CouncilDecisionIn(decision_no="12/QĐ-UBND", issued_on=date(2026, 11, 1))
    await decisions.record_decision(RecordDecision(council.id, decision), OFFICIAL, lambda: uow, councils=seed.councils)
    decided = uow.dossiers.items[dossier_id]
    assert decided.status is DossierStatus.decided and decided.outcome.recognised is False
    assert "tối đa 4★" in decided.outcome.reason and not uow.certificates.items
    assert uow.councils.items[council.id].status.value == "decided"
    kinds = [type(p) for p, _k, _s in uow.published if type(p).__name__.startswith("Dossier")]
    assert kinds == [
        events.DossierCreated,
        events.DossierSubmitted,
        events.DossierAccepted,
        events.DossierEvaluated,
        events.DossierDecided,
    ]
    # recording it again is a no-op (nothing decided twice)
    before = len(uow.published)
    await decisions.record_decision(RecordDecision(council.id, decision), OFFICIAL, lambda: uow, councils=seed.councils)
    assert len(uow.published) == before


async def test_renewal_notices_for_the_producer(uow, world, seed):
    seed.evaluation("ev-1", "mien-dong", 60)
    from ocop_registry.app.certificates import issue_certificate
    from ocop_registry.app.commands import IssueCertificate
    from ocop_registry.app.inputs import DecisionIn

    issued_on = add_months(TODAY + timedelta(days=30), -36)
    await issue_certificate(
        IssueCertificate("ev-1", DecisionIn(decision_no="1/QĐ-UBND", issued_on=issued_on)),
        OFFICIAL,
        uow,
        councils=seed.councils,
    )
    [notice] = await dossiers.renewal_notices(world, uow, TODAY)
    assert notice.product_id == "mien-dong" and notice.days_left == 30 and notice.dossier_id is None
    renewal = await dossiers.create_dossier(
        CreateDossier(DossierIn(product_id="mien-dong", cycle_year=2026, kind="renewal"), TODAY),
        world,
        uow,
        criteria=BOOK,
    )
    [notice] = await dossiers.renewal_notices(world, uow, TODAY)
    assert notice.dossier_id == renewal.id
    assert await dossiers.renewal_notices(world, uow, TODAY - timedelta(days=200)) == []
