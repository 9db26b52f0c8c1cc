"""Certification of a product (công nhận sản phẩm OCOP): the conditions for a certificate and its transitions.

A certificate is issued from a council's evaluation (kết quả đánh giá) of 3★ or more, within what the
council's level may award, once per evaluation and while the product holds no active certificate. Renewal
(công nhận lại) and upgrade (nâng hạng) replace the active certificate with one from a new evaluation of the
same product; an upgrade needs more stars. Every transition moves the product one version on, points it at
its current certificate and records the event carrying both (written to the outbox at commit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ocop_registry.domain.certificate import Certificate, CertificateKind, valid_until
from ocop_registry.domain.errors import (
    AlreadyCertified,
    EvaluationOfOtherProduct,
    EvaluationUsed,
    LevelCannotAward,
    NotAnUpgrade,
    NotRecognised,
)
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import MIN_CERTIFIED_STARS, Evaluation, InvalidScores
from ocop_registry.domain.snapshots import certificate_snapshot, product_snapshot
from ocop_shared.events.models import (
    CertificateExpired,
    CertificateIssued,
    CertificateRenewed,
    CertificateRevoked,
    CertificateUpgraded,
)
from ocop_shared.events.recording import Recorded


@dataclass(frozen=True)
class Councils:
    """Highest star rank each council level (hội đồng cấp xã / tỉnh / trung ương) may recognise.

    Configuration, not code (``OCOP_COUNCIL_MAX_STARS``): the 07/2025 reform changed the levels.
    """

    max_stars: Mapping[str, int]

    def require_level(self, level: str) -> None:
        if level not in self.max_stars:
            raise InvalidScores(
                "unknown_council_level", f"Cấp hội đồng '{level}' không hợp lệ (dùng {', '.join(self.max_stars)})"
            )

    def require_may_award(self, evaluation: Evaluation) -> None:
        maximum = self.max_stars.get(evaluation.level, 0)
        if evaluation.stars > maximum:
            raise LevelCannotAward(
                f"Hội đồng cấp '{evaluation.level}' chỉ công nhận tối đa {maximum}★; "
                f"kết quả {evaluation.stars}★ cần hội đồng cấp cao hơn"
            )


@dataclass(frozen=True)
class Decision:
    """The People's Committee decision (quyết định) recognising the result."""

    decision_no: str
    issued_on: date


def require_recognisable(evaluation: Evaluation, councils: Councils) -> None:
    """An evaluation serves one certificate, of 3★ or more, within what its council may award."""
    if evaluation.certificate_id:
        raise EvaluationUsed()
    if evaluation.stars < MIN_CERTIFIED_STARS:
        raise NotRecognised(
            f"Sản phẩm đạt {evaluation.stars}★ ({evaluation.total:g} điểm): "
            f"chỉ sản phẩm từ {MIN_CERTIFIED_STARS}★ mới được công nhận OCOP"
        )
    councils.require_may_award(evaluation)


def issue(
    certificate_id: str,
    product: Product,
    producer: Producer,
    evaluation: Evaluation,
    *,
    active: Certificate | None,
    decision: Decision,
    councils: Councils,
) -> Certificate:
    """A first certificate (or a new one after expiry or revocation); ``active`` is the product's current one."""
    require_recognisable(evaluation, councils)
    if active is not None:
        raise AlreadyCertified()
    certificate = _new(certificate_id, product, producer, evaluation, decision, CertificateKind.issued)
    _record(product, producer, certificate, CertificateIssued, current=certificate.id)
    return certificate


def replace(
    certificate_id: str,
    old: Certificate,
    product: Product,
    producer: Producer,
    evaluation: Evaluation,
    *,
    kind: CertificateKind,
    decision: Decision,
    councils: Councils,
) -> Certificate:
    """Renew (stars may change) or upgrade (more stars) ``old`` with a new evaluation; ``old`` is superseded."""
    old.require_active()
    require_recognisable(evaluation, councils)
    if evaluation.product_id != old.product_id:
        raise EvaluationOfOtherProduct()
    if kind is CertificateKind.upgraded and evaluation.stars <= old.stars:
        raise NotAnUpgrade(f"Nâng hạng cần nhiều sao hơn {old.stars}★ (kết quả: {evaluation.stars}★)")
    new = _new(certificate_id, product, producer, evaluation, decision, kind, previous=old)
    old.supersede(new.id)
    if kind is CertificateKind.upgraded:
        _record(
            product,
            producer,
            new,
            CertificateUpgraded,
            current=new.id,
            previous_certificate_id=old.id,
            previous_stars=old.stars,
        )
    else:
        _record(product, producer, new, CertificateRenewed, current=new.id, previous_certificate_id=old.id)
    return new


def revoke(
    certificate: Certificate, product: Product, producer: Producer, *, reason: str, decision_no: str, at: datetime
) -> None:
    certificate.revoke(reason, decision_no, at)
    _record(product, producer, certificate, CertificateRevoked, current=None, reason=reason, decision_no=decision_no)


def expire(certificate: Certificate, product: Product, producer: Producer, *, today: date, at: datetime) -> None:
    certificate.expire(today, at)
    _record(product, producer, certificate, CertificateExpired, current=None)


def _new(
    certificate_id: str,
    product: Product,
    producer: Producer,
    evaluation: Evaluation,
    decision: Decision,
    kind: CertificateKind,
    previous: Certificate | None = None,
) -> Certificate:
    certificate = Certificate(
        id=certificate_id,
        product_id=product.id,
        producer_id=product.producer_id,
        evaluation_id=evaluation.id,
        stars=evaluation.stars,
        decision_no=decision.decision_no.strip(),
        issued_on=decision.issued_on,
        valid_until=valid_until(decision.issued_on),
        kind=kind,
        criteria_version=evaluation.criteria_version,
        level=evaluation.level,
        previous_certificate_id=previous.id if previous else None,
        group=product.group.value,
        province=producer.province,
        commune=producer.commune,
    )
    evaluation.use_for(certificate.id)
    return certificate


def _record(
    product: Product, producer: Producer, subject: Certificate, event: type, *, current: str | None, **extra: Any
) -> None:
    """The product moves one version on (consumers apply its events in that order), points at its current
    certificate (None once revoked or expired) and records the event about ``subject``."""
    product.version += 1
    product.current_certificate_id = current
    payload = event(
        certificate=certificate_snapshot(subject),
        product=product_snapshot(product, producer),
        version=product.version,
        **extra,
    )
    product.events.append(Recorded(payload, key=product.id, subject=subject.id))
