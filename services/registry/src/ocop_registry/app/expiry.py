"""The scheduled expiry job: active certificates past ``valid_until`` become expired (certificate.expired)."""

from __future__ import annotations

from collections.abc import Callable

from ocop_registry.app import policy
from ocop_registry.app.commands import ExpireCertificates
from ocop_registry.app.ports import CertificateQuery, UnitOfWork
from ocop_registry.domain import certification
from ocop_registry.domain.errors import ProducerNotFound, ProductNotFound
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow


async def expire_certificates(
    cmd: ExpireCertificates, principal: Principal, uow_factory: Callable[[], UnitOfWork]
) -> list[str]:
    """One unit of work per certificate, so a failure leaves the others done and the job simply runs again.
    Returns the ids of the certificates expired."""
    policy.require_staff(principal)
    due = await uow_factory().certificates.select(
        CertificateQuery(status="active", valid_until_before=cmd.today.isoformat(), limit=cmd.limit)
    )
    expired = []
    for candidate in due:
        async with uow_factory().acting(principal, "certificate.expire", certificate=candidate.id) as uow:
            certificate = await uow.certificates.get(candidate.id)
            if certificate is None or not certificate.is_due(cmd.today):
                continue  # renewed or revoked meanwhile
            product = await uow.products.get(certificate.product_id)
            producer = await uow.producers.get(certificate.producer_id)
            if product is None:
                raise ProductNotFound()
            if producer is None:
                raise ProducerNotFound()
            certification.expire(certificate, product, producer, today=cmd.today, at=utcnow())
            await uow.certificates.save(certificate)
            await uow.products.save(product)
            await uow.commit()
            expired.append(certificate.id)
    return expired
