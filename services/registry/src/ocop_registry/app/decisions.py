"""The People's Committee's decision on a closed council (quyết định công nhận sản phẩm OCOP) and its appendix.

An official records the decision (number, date) once; then each of the council's dossiers is decided in its
own transaction, by the existing certificate rules (``app/certificates.py``, ``domain/certification.py``): a
result of 3★ or more gets a certificate — a first one (new), or one that replaces the active certificate
(renewal: công nhận lại; upgrade: nâng hạng) — unless a rule says no (more stars than the council's level may
award, the product already certified, an upgrade without more stars): then the dossier is decided without a
certificate and with the rule's reason. Under 3★ it is decided as not recognised. Recording the same decision
again finishes what an interruption left (the dossiers decided already are skipped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ocop_registry.app import dossier_policy as access
from ocop_registry.app.certificates import active_certificate, issue_in, replace_in
from ocop_registry.app.dossier_commands import RecordDecision
from ocop_registry.app.ports import DossierQuery, UnitOfWork
from ocop_registry.domain.certificate import Certificate, CertificateKind
from ocop_registry.domain.certification import Councils, Decision
from ocop_registry.domain.council import Council, CouncilDecision
from ocop_registry.domain.dossier import Dossier, DossierKind, DossierStatus, Outcome
from ocop_registry.domain.errors import ProductNotFound
from ocop_registry.domain.scoring import MIN_CERTIFIED_STARS
from ocop_shared.auth import Principal
from ocop_shared.errors import AppError, Conflict
from ocop_shared.events.envelope import utcnow


async def record_decision(
    cmd: RecordDecision, principal: Principal, uow_factory: Callable[[], UnitOfWork], *, councils: Councils
) -> Council:
    given = cmd.decision
    async with uow_factory().acting(principal, "council.record_decision", council=cmd.council_id) as uow:
        council = await access.managed_council(principal, uow, cmd.council_id)
        council.record_decision(
            CouncilDecision(
                decision_no=given.decision_no.strip(),
                issued_on=given.issued_on,
                recorded_by=principal.subject,
                recorded_at=utcnow(),
            )
        )
        await uow.councils.save(council)
        await uow.commit()
    decision = Decision(council.decision.decision_no, council.decision.issued_on)  # type: ignore[union-attr]
    for dossier_id in council.dossier_ids:
        await _decide(dossier_id, decision, principal, uow_factory, councils)
    async with uow_factory() as uow:
        council = await access.managed_council(principal, uow, cmd.council_id)
        dossiers = await uow.dossiers.select(DossierQuery(ids=tuple(council.dossier_ids)))
        if council.mark_decided(dossiers):
            await uow.councils.save(council)
            await uow.commit()
    return council


async def _decide(
    dossier_id: str, decision: Decision, principal: Principal, uow_factory: Callable[[], UnitOfWork], councils: Councils
) -> None:
    refusal: AppError | None = None
    async with uow_factory().acting(principal, "dossier.decide", dossier=dossier_id) as uow:
        dossier = await uow.dossiers.get(dossier_id)
        if dossier is None or dossier.status is not DossierStatus.evaluated:
            return  # decided before (an interrupted run recorded again), or never evaluated
        assert dossier.result is not None
        if dossier.result.stars < MIN_CERTIFIED_STARS:
            reason = (
                f"Đạt {dossier.result.stars}★ ({dossier.result.total:g} điểm): "
                f"dưới {MIN_CERTIFIED_STARS}★ không được công nhận OCOP"
            )
            outcome = Outcome(
                decision_no=decision.decision_no, decided_on=decision.issued_on, recognised=False, reason=reason
            )
        else:
            try:
                certificate = await _certify(uow, principal, dossier, decision, councils)
            except AppError as exc:  # a certificate rule says no: decided without one, in a fresh transaction
                refusal = exc
            else:
                outcome = Outcome(
                    decision_no=decision.decision_no,
                    decided_on=decision.issued_on,
                    recognised=True,
                    certificate_id=certificate.id,
                )
        if refusal is None:
            dossier.decide(outcome, principal.subject, utcnow())
            await uow.dossiers.save(dossier)
            await uow.commit()
            return
    async with uow_factory().acting(principal, "dossier.decide", dossier=dossier_id) as uow:
        dossier = await uow.dossiers.get(dossier_id)
        if dossier is None or dossier.status is not DossierStatus.evaluated:
            return
        outcome = Outcome(
            decision_no=decision.decision_no, decided_on=decision.issued_on, recognised=False, reason=refusal.message
        )
        dossier.decide(outcome, principal.subject, utcnow())
        await uow.dossiers.save(dossier)
        await uow.commit()


async def _certify(
    uow: UnitOfWork, principal: Principal, dossier: Dossier, decision: Decision, councils: Councils
) -> Certificate:
    """A first certificate, or the active one renewed or upgraded, by the certificate use cases' own steps."""
    assert dossier.result is not None
    product = await uow.products.get(dossier.product_id)
    if product is None:
        raise ProductNotFound()
    active = await active_certificate(uow, product)
    evaluation_id = dossier.result.evaluation_id
    if dossier.kind is DossierKind.new or active is None:
        return await issue_in(uow, principal, evaluation_id, decision, councils)
    kind = CertificateKind.upgraded if dossier.kind is DossierKind.upgrade else CertificateKind.renewed
    return await replace_in(uow, principal, active.id, evaluation_id, decision, kind, councils)


# -- the appendix --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppendixRow:
    product: str
    producer: str
    place: str
    group: str
    total: float
    stars: int
    kind: str


@dataclass(frozen=True)
class Appendix:
    """Phụ lục of the decision: the products recognised, their producers and stars."""

    decision_no: str
    issued_on: date
    council: str
    level: str
    province: str | None
    rows: list[AppendixRow]


async def appendix(council_id: str, principal: Principal, uow: UnitOfWork) -> Appendix:
    council = await access.readable_council(principal, uow, council_id)
    if council.decision is None:
        raise Conflict("no_decision_yet", "Hội đồng chưa có quyết định công nhận")
    dossiers = await uow.dossiers.select(DossierQuery(ids=tuple(council.dossier_ids)))
    recognised = [d for d in dossiers if d.outcome is not None and d.outcome.recognised and d.result is not None]
    rows = [
        AppendixRow(
            product=d.form.product_name,
            producer=d.form.producer_name,
            place=", ".join(x for x in ((d.commune or {}).get("name"), d.province.get("name")) if x),
            group=d.form.group.value,
            total=d.result.total,  # type: ignore[union-attr]
            stars=d.result.stars,  # type: ignore[union-attr]
            kind=d.kind.value,
        )
        for d in sorted(recognised, key=lambda d: (-d.result.stars, d.form.product_name))  # type: ignore[union-attr]
    ]
    return Appendix(
        decision_no=council.decision.decision_no,
        issued_on=council.decision.issued_on,
        council=council.name,
        level=council.level,
        province=(council.province or {}).get("name"),
        rows=rows,
    )
