"""Certificate transitions (officials) and reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ocop_registry.adapters.repository import CertificateRepository, EvaluationRepository
from ocop_registry.api.deps import in_scope, producer_for, runtime, visible_product
from ocop_registry.api.schemas import CertificateOut, DecisionIn, ReplaceIn, RevokeIn
from ocop_registry.app.certificates import (
    Decision,
    expire_due,
    issue_certificate,
    replace_certificate,
    revoke_certificate,
)
from ocop_registry.domain.certificate import CertificateKind
from ocop_shared.auth import Principal, require
from ocop_shared.errors import NotFound

router = APIRouter(tags=["certificates"])
Writer = Annotated[Principal, Depends(require("official", "operator"))]
Reader = Annotated[Principal, Depends(require("official", "operator", "producer"))]


def _out(c) -> CertificateOut:
    return CertificateOut.model_validate(c.model_dump(mode="json"))


async def _certificate(request: Request, principal: Principal, certificate_id: str, *, write: bool):
    certificate = await CertificateRepository(runtime(request).db).get(certificate_id)
    if certificate is None:
        raise NotFound("certificate_not_found", "Không tìm thấy giấy chứng nhận")
    await producer_for(request, principal, certificate.producer_id, write=write)
    return certificate


@router.post("/evaluations/{evaluation_id}/certificate", status_code=201, response_model=CertificateOut,
             summary="Issue a certificate from an evaluation of 3★ or more")
async def issue(evaluation_id: str, body: DecisionIn, request: Request, principal: Writer) -> CertificateOut:
    evaluation = await EvaluationRepository(runtime(request).db).get(evaluation_id)
    if evaluation is None:
        raise NotFound("evaluation_not_found", "Không tìm thấy kết quả đánh giá")
    await visible_product(request, principal, evaluation.product_id, write=True)
    rt = runtime(request)
    certificate = await issue_certificate(evaluation_id, Decision(body.decision_no, body.issued_on),
                                          rt.settings.council_max_stars, rt.uow())
    return _out(certificate)


async def _replace(certificate_id: str, body: ReplaceIn, request: Request, principal: Principal,
                   kind: CertificateKind) -> CertificateOut:
    await _certificate(request, principal, certificate_id, write=True)
    rt = runtime(request)
    new = await replace_certificate(certificate_id, body.evaluation_id, Decision(body.decision_no, body.issued_on),
                                    kind, rt.settings.council_max_stars, rt.uow())
    return _out(new)


@router.post("/certificates/{certificate_id}/renew", status_code=201, response_model=CertificateOut,
             summary="Renew with a new evaluation (stars may change); the old certificate is superseded")
async def renew(certificate_id: str, body: ReplaceIn, request: Request, principal: Writer) -> CertificateOut:
    return await _replace(certificate_id, body, request, principal, CertificateKind.renewed)


@router.post("/certificates/{certificate_id}/upgrade", status_code=201, response_model=CertificateOut,
             summary="Upgrade to more stars with a new evaluation")
async def upgrade(certificate_id: str, body: ReplaceIn, request: Request, principal: Writer) -> CertificateOut:
    return await _replace(certificate_id, body, request, principal, CertificateKind.upgraded)


@router.post("/certificates/{certificate_id}/revoke", response_model=CertificateOut, summary="Revoke (thu hồi)")
async def revoke(certificate_id: str, body: RevokeIn, request: Request, principal: Writer) -> CertificateOut:
    await _certificate(request, principal, certificate_id, write=True)
    return _out(await revoke_certificate(certificate_id, body.reason, body.decision_no, runtime(request).uow()))


@router.get("/certificates/{certificate_id}", response_model=CertificateOut)
async def get_certificate(certificate_id: str, request: Request, principal: Reader) -> CertificateOut:
    return _out(await _certificate(request, principal, certificate_id, write=False))


@router.get("/certificates", response_model=list[CertificateOut], summary="Certificates, e.g. expiring soon")
async def list_certificates(request: Request, principal: Reader, status: str | None = None,
                            product_id: str | None = None,
                            expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
                            limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[CertificateOut]:
    query: dict = {}
    if status:
        query["status"] = status
    if product_id:
        query["product_id"] = product_id
    if principal.role == "producer":
        query["producer_id"] = principal.producer_id
    if expiring_within_days is not None:
        query["status"] = "active"
        query["valid_until"] = {"$lte": (date.today() + timedelta(days=expiring_within_days)).isoformat()}
    found = await CertificateRepository(runtime(request).db).find(query, sort="valid_until", limit=limit)
    return [_out(c) for c in found if principal.role != "official" or in_scope(principal, c.province.get("code"))]


@router.post("/jobs/expire-certificates", summary="Run the expiry job now (it also runs on a schedule)")
async def run_expiry(request: Request, _principal: Writer) -> dict:
    rt = runtime(request)
    expired = await expire_due(date.today(), rt.uow)
    return {"expired": expired}
