"""Use cases of the certificate lifecycle: issue, renew, upgrade, revoke, expire.

Every transition is one unit of work: the certificate(s), the product's current certificate and
version, and the event carrying the product snapshot commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bson import ObjectId

from ocop_registry.adapters.repository import (
    CertificateRepository,
    EvaluationRepository,
    ProducerRepository,
    ProductRepository,
)
from ocop_registry.app.snapshots import certificate_snapshot, product_snapshot
from ocop_registry.domain.certificate import Certificate, CertificateKind, CertificateStatus, valid_until
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import MIN_CERTIFIED_STARS, Evaluation
from ocop_shared.errors import Conflict, DomainError, NotFound
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import (
    CertificateExpired,
    CertificateIssued,
    CertificateRenewed,
    CertificateRevoked,
    CertificateUpgraded,
)
from ocop_shared.uow import MongoUnitOfWork


class NotRecognised(DomainError):
    code = "stars_below_ocop"


@dataclass
class Decision:
    """A People's Committee decision (quyết định) recognising the result."""

    decision_no: str
    issued_on: date


class _Tx:
    """Repositories bound to one unit of work."""

    def __init__(self, uow: MongoUnitOfWork) -> None:
        self.uow = uow
        self.products = ProductRepository(uow.db, uow.session)
        self.producers = ProducerRepository(uow.db, uow.session)
        self.evaluations = EvaluationRepository(uow.db, uow.session)
        self.certificates = CertificateRepository(uow.db, uow.session)

    async def product(self, product_id: str) -> tuple[Product, Producer]:
        product = await self.products.get(product_id)
        if product is None:
            raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
        return product, await self.producers.get(product.producer_id)

    async def certificate(self, certificate_id: str) -> Certificate:
        certificate = await self.certificates.get(certificate_id)
        if certificate is None:
            raise NotFound("certificate_not_found", "Không tìm thấy giấy chứng nhận")
        return certificate

    async def usable_evaluation(self, evaluation_id: str, council_levels: dict[str, int]) -> Evaluation:
        evaluation = await self.evaluations.get(evaluation_id)
        if evaluation is None:
            raise NotFound("evaluation_not_found", "Không tìm thấy kết quả đánh giá")
        if evaluation.certificate_id:
            raise Conflict("evaluation_used", "Kết quả đánh giá này đã được dùng để cấp giấy chứng nhận")
        if evaluation.stars < MIN_CERTIFIED_STARS:
            raise NotRecognised(message=f"Sản phẩm đạt {evaluation.stars}★ ({evaluation.total:g} điểm): "
                                        f"chỉ sản phẩm từ {MIN_CERTIFIED_STARS}★ mới được công nhận OCOP")
        maximum = council_levels.get(evaluation.level, 0)
        if evaluation.stars > maximum:
            raise DomainError("level_cannot_award", f"Hội đồng cấp '{evaluation.level}' chỉ công nhận tối đa "
                                                    f"{maximum}★; kết quả {evaluation.stars}★ cần hội đồng cấp cao hơn")
        return evaluation

    def new_certificate(self, product: Product, producer: Producer, evaluation: Evaluation, decision: Decision,
                        kind: CertificateKind, previous: Certificate | None = None) -> Certificate:
        return Certificate(
            id=str(ObjectId()), product_id=product.id, producer_id=product.producer_id, evaluation_id=evaluation.id,
            stars=evaluation.stars, decision_no=decision.decision_no.strip(), issued_on=decision.issued_on,
            valid_until=valid_until(decision.issued_on), kind=kind, criteria_version=evaluation.criteria_version,
            level=evaluation.level, previous_certificate_id=previous.id if previous else None,
            group=product.group.value, province=producer.province, commune=producer.commune)

    async def commit_transition(self, product: Product, producer: Producer, changed: list[Certificate],
                                current_id: str | None, event_cls, **extra) -> Product:
        product = product.model_copy(update={"version": product.version + 1, "current_certificate_id": current_id})
        for c in changed:
            await self.certificates.save(c)
        await self.products.save(product)
        subject = changed[-1]
        self.uow.emit(event_cls(certificate=certificate_snapshot(subject), product=product_snapshot(product, producer),
                                version=product.version, **extra), key=product.id, subject=subject.id)
        await self.uow.commit()
        return product


async def _active_of(tx: _Tx, product: Product) -> Certificate | None:
    if not product.current_certificate_id:
        return None
    current = await tx.certificates.get(product.current_certificate_id)
    return current if current and current.status is CertificateStatus.active else None


async def issue_certificate(evaluation_id: str, decision: Decision, council_levels: dict[str, int],
                            uow: MongoUnitOfWork) -> Certificate:
    async with uow:
        tx = _Tx(uow)
        evaluation = await tx.usable_evaluation(evaluation_id, council_levels)
        product, producer = await tx.product(evaluation.product_id)
        if await _active_of(tx, product):
            raise Conflict("already_certified", "Sản phẩm đang có giấy chứng nhận còn hiệu lực: dùng gia hạn "
                                                "(renew) hoặc nâng hạng (upgrade)")
        certificate = tx.new_certificate(product, producer, evaluation, decision, CertificateKind.issued)
        await tx.certificates.add(certificate)
        await tx.evaluations.save(evaluation.model_copy(update={"certificate_id": certificate.id}))
        await tx.commit_transition(product, producer, [certificate], certificate.id, CertificateIssued)
    return certificate


async def replace_certificate(certificate_id: str, evaluation_id: str, decision: Decision, kind: CertificateKind,
                              council_levels: dict[str, int], uow: MongoUnitOfWork) -> Certificate:
    """Renew (new evaluation at the end of validity; stars may change) or upgrade (more stars)."""
    async with uow:
        tx = _Tx(uow)
        old = await tx.certificate(certificate_id)
        old.require_active()
        evaluation = await tx.usable_evaluation(evaluation_id, council_levels)
        if evaluation.product_id != old.product_id:
            raise DomainError("evaluation_of_other_product", "Kết quả đánh giá thuộc sản phẩm khác")
        if kind is CertificateKind.upgraded and evaluation.stars <= old.stars:
            raise DomainError("not_an_upgrade", f"Nâng hạng cần nhiều sao hơn {old.stars}★ (kết quả: {evaluation.stars}★)")
        product, producer = await tx.product(old.product_id)
        new = tx.new_certificate(product, producer, evaluation, decision, kind, previous=old)
        old.supersede(new.id)
        await tx.certificates.add(new)
        await tx.evaluations.save(evaluation.model_copy(update={"certificate_id": new.id}))
        if kind is CertificateKind.upgraded:
            await tx.commit_transition(product, producer, [old, new], new.id, CertificateUpgraded,
                                       previous_certificate_id=old.id, previous_stars=old.stars)
        else:
            await tx.commit_transition(product, producer, [old, new], new.id, CertificateRenewed,
                                       previous_certificate_id=old.id)
    return new


async def revoke_certificate(certificate_id: str, reason: str, decision_no: str, uow: MongoUnitOfWork) -> Certificate:
    async with uow:
        tx = _Tx(uow)
        certificate = await tx.certificate(certificate_id)
        certificate.revoke(reason.strip(), decision_no.strip(), utcnow())
        product, producer = await tx.product(certificate.product_id)
        await tx.commit_transition(product, producer, [certificate], None, CertificateRevoked,
                                   reason=reason.strip(), decision_no=decision_no.strip())
    return certificate


async def expire_due(today: date, uow_factory, limit: int = 500) -> list[str]:
    """The scheduled expiry job: active certificates past ``valid_until`` become expired, one unit of
    work each (so a failure leaves the others done and the job simply runs again)."""
    due = await CertificateRepository(uow_factory().db).find(
        {"status": "active", "valid_until": {"$lt": today.isoformat()}}, limit=limit)
    expired = []
    for candidate in due:
        async with uow_factory() as uow:
            tx = _Tx(uow)
            certificate = await tx.certificate(candidate.id)
            if not certificate.is_due(today):
                continue  # renewed or revoked meanwhile
            certificate.expire(today, utcnow())
            product, producer = await tx.product(certificate.product_id)
            await tx.commit_transition(product, producer, [certificate], None, CertificateExpired)
            expired.append(certificate.id)
    return expired
