"""Use cases of the certificate lifecycle: issue, renew, upgrade, revoke; and reading certificates.

Every transition is one unit of work: the certificate(s), the evaluation used, the product's current
certificate and version, and the event carrying the product snapshot (recorded by the product, see
``domain/certification.py``) commit together.
"""

from __future__ import annotations

from datetime import timedelta

from bson import ObjectId

from ocop_registry.app import policy
from ocop_registry.app.commands import (
    IssueCertificate,
    ListCertificates,
    RenewCertificate,
    ReplaceCertificate,
    RevokeCertificate,
    UpgradeCertificate,
)
from ocop_registry.app.ports import CertificateQuery, UnitOfWork
from ocop_registry.app.products import product_for
from ocop_registry.domain import certification
from ocop_registry.domain.certificate import Certificate, CertificateKind, CertificateStatus
from ocop_registry.domain.certification import Councils, Decision
from ocop_registry.domain.errors import CertificateNotFound, EvaluationNotFound, ProductNotFound
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import Evaluation
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow

ACTIONS = {CertificateKind.renewed: "certificate.renew", CertificateKind.upgraded: "certificate.upgrade"}


async def issue_certificate(
    cmd: IssueCertificate, principal: Principal, uow: UnitOfWork, *, councils: Councils
) -> Certificate:
    async with uow.acting(principal, "certificate.issue", evaluation=cmd.evaluation_id):
        certificate = await issue_in(uow, principal, cmd.evaluation_id, cmd.decision.decision, councils)
        await uow.commit()
    return certificate


async def issue_in(
    uow: UnitOfWork, principal: Principal, evaluation_id: str, decision: Decision, councils: Councils
) -> Certificate:
    """Issue inside a unit of work the caller opened and commits (a council's decision issues each product's
    certificate with its dossier's change in one transaction)."""
    evaluation = await _evaluation(uow, evaluation_id)
    product, producer = await product_for(principal, uow, evaluation.product_id, write=True)
    certificate = certification.issue(
        str(ObjectId()),
        product,
        producer,
        evaluation,
        active=await active_certificate(uow, product),
        decision=decision,
        councils=councils,
    )
    await uow.certificates.add(certificate)
    await uow.evaluations.save(evaluation)
    await uow.products.save(product)
    return certificate


async def renew_certificate(
    cmd: RenewCertificate, principal: Principal, uow: UnitOfWork, *, councils: Councils
) -> Certificate:
    """A new evaluation at the end of validity (stars may change); the old certificate is superseded."""
    return await _replace(cmd, CertificateKind.renewed, principal, uow, councils)


async def upgrade_certificate(
    cmd: UpgradeCertificate, principal: Principal, uow: UnitOfWork, *, councils: Councils
) -> Certificate:
    """A new evaluation with more stars; the old certificate is superseded."""
    return await _replace(cmd, CertificateKind.upgraded, principal, uow, councils)


async def _replace(
    cmd: ReplaceCertificate,
    kind: CertificateKind,
    principal: Principal,
    uow: UnitOfWork,
    councils: Councils,
) -> Certificate:
    async with uow.acting(principal, ACTIONS[kind], certificate=cmd.certificate_id):
        replacement = cmd.replacement
        new = await replace_in(
            uow, principal, cmd.certificate_id, replacement.evaluation_id, replacement.decision, kind, councils
        )
        await uow.commit()
    return new


async def replace_in(
    uow: UnitOfWork,
    principal: Principal,
    certificate_id: str,
    evaluation_id: str,
    decision: Decision,
    kind: CertificateKind,
    councils: Councils,
) -> Certificate:
    """Renew or upgrade inside a unit of work the caller opened and commits (see :func:`issue_in`)."""
    old, product, producer = await _certified(principal, uow, certificate_id)
    evaluation = await _evaluation(uow, evaluation_id)
    new = certification.replace(
        str(ObjectId()), old, product, producer, evaluation, kind=kind, decision=decision, councils=councils
    )
    await uow.certificates.save(old)
    await uow.certificates.add(new)
    await uow.evaluations.save(evaluation)
    await uow.products.save(product)
    return new


async def revoke_certificate(cmd: RevokeCertificate, principal: Principal, uow: UnitOfWork) -> Certificate:
    async with uow.acting(principal, "certificate.revoke", certificate=cmd.certificate_id):
        certificate, product, producer = await _certified(principal, uow, cmd.certificate_id)
        certification.revoke(
            certificate,
            product,
            producer,
            reason=cmd.revocation.reason,
            decision_no=cmd.revocation.decision_no,
            at=utcnow(),
        )
        await uow.certificates.save(certificate)
        await uow.products.save(product)
        await uow.commit()
    return certificate


async def get_certificate(certificate_id: str, principal: Principal, uow: UnitOfWork) -> Certificate:
    certificate = await uow.certificates.get(certificate_id)
    if certificate is None:
        raise CertificateNotFound()
    policy.readable(principal, await uow.producers.get(certificate.producer_id))
    return certificate


async def list_certificates(cmd: ListCertificates, principal: Principal, uow: UnitOfWork) -> list[Certificate]:
    """Certificates within the caller's scope (e.g. those expiring soon), by end of validity."""
    scope = principal.scope
    status, through = cmd.status, None
    if cmd.expiring_within_days is not None:
        status, through = "active", (cmd.today + timedelta(days=cmd.expiring_within_days)).isoformat()
    return await uow.certificates.select(
        CertificateQuery(
            status=status,
            product_id=cmd.product_id,
            producer_id=scope.producer_id,
            provinces=scope.provinces,
            valid_until_through=through,
            sort="valid_until",
            limit=cmd.limit,
        )
    )


async def _evaluation(uow: UnitOfWork, evaluation_id: str) -> Evaluation:
    evaluation = await uow.evaluations.get(evaluation_id)
    if evaluation is None:
        raise EvaluationNotFound()
    return evaluation


async def _certified(
    principal: Principal, uow: UnitOfWork, certificate_id: str
) -> tuple[Certificate, Product, Producer]:
    """The certificate, its product and producer, if the caller may change them."""
    certificate = await uow.certificates.get(certificate_id)
    if certificate is None:
        raise CertificateNotFound()
    producer = policy.writable(principal, await uow.producers.get(certificate.producer_id))
    product = await uow.products.get(certificate.product_id)
    if product is None:
        raise ProductNotFound()
    return certificate, product, producer


async def active_certificate(uow: UnitOfWork, product: Product) -> Certificate | None:
    """The product's active certificate, if it has one."""
    if not product.current_certificate_id:
        return None
    current = await uow.certificates.get(product.current_certificate_id)
    return current if current and current.status is CertificateStatus.active else None
