"""Certificate transitions (officials) and reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from ocop_registry.api.deps import Reader, RuntimeDep, Staff
from ocop_registry.api.schemas import CertificateOut
from ocop_registry.app import certificates, expiry
from ocop_registry.app.commands import (
    ExpireCertificates,
    IssueCertificate,
    ListCertificates,
    RenewCertificate,
    RevokeCertificate,
    UpgradeCertificate,
)
from ocop_registry.app.inputs import DecisionIn, ReplaceIn, RevokeIn
from ocop_registry.domain.certificate import Certificate

router = APIRouter(tags=["certificates"])
Route = TypeVar("Route", bound=Callable[..., Any])


def _out(c: Certificate) -> CertificateOut:
    return CertificateOut.model_validate(c.model_dump(mode="json"))


def _new_certificate(path: str, summary: str) -> Callable[[Route], Route]:
    """A transition that makes a certificate: POST answering 201 with it."""
    return router.post(path, status_code=201, response_model=CertificateOut, summary=summary)


@_new_certificate("/evaluations/{evaluation_id}/certificate", "Issue a certificate from an evaluation of 3★ or more")
async def issue(evaluation_id: str, body: DecisionIn, rt: RuntimeDep, principal: Staff) -> CertificateOut:
    cmd = IssueCertificate(evaluation_id, body)
    return _out(await certificates.issue_certificate(cmd, principal, rt.uow(), councils=rt.councils))


@_new_certificate(
    "/certificates/{certificate_id}/renew",
    "Renew with a new evaluation (stars may change); the old certificate is superseded",
)
async def renew(certificate_id: str, body: ReplaceIn, rt: RuntimeDep, principal: Staff) -> CertificateOut:
    cmd = RenewCertificate(certificate_id, body)
    return _out(await certificates.renew_certificate(cmd, principal, rt.uow(), councils=rt.councils))


@_new_certificate("/certificates/{certificate_id}/upgrade", "Upgrade to more stars with a new evaluation")
async def upgrade(certificate_id: str, body: ReplaceIn, rt: RuntimeDep, principal: Staff) -> CertificateOut:
    cmd = UpgradeCertificate(certificate_id, body)
    return _out(await certificates.upgrade_certificate(cmd, principal, rt.uow(), councils=rt.councils))


@router.post("/certificates/{certificate_id}/revoke", response_model=CertificateOut, summary="Revoke (thu hồi)")
async def revoke(certificate_id: str, body: RevokeIn, rt: RuntimeDep, principal: Staff) -> CertificateOut:
    return _out(await certificates.revoke_certificate(RevokeCertificate(certificate_id, body), principal, rt.uow()))


@router.get("/certificates/{certificate_id}", response_model=CertificateOut)
async def get_certificate(certificate_id: str, rt: RuntimeDep, principal: Reader) -> CertificateOut:
    return _out(await certificates.get_certificate(certificate_id, principal, rt.uow()))


@router.get("/certificates", response_model=list[CertificateOut], summary="Certificates, e.g. expiring soon")
async def list_certificates(
    rt: RuntimeDep,
    principal: Reader,
    status: str | None = None,
    product_id: str | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[CertificateOut]:
    cmd = ListCertificates(date.today(), status, product_id, expiring_within_days, limit)
    return [_out(c) for c in await certificates.list_certificates(cmd, principal, rt.uow())]


@router.post("/jobs/expire-certificates", summary="Run the expiry job now (it also runs on a schedule)")
async def run_expiry(rt: RuntimeDep, principal: Staff) -> dict:
    return {"expired": await expiry.expire_certificates(ExpireCertificates(date.today()), principal, rt.uow)}
