"""Dossier routes (``/api/v1/dossiers``) and the criteria sheets they are scored on (``/api/v1/criteria-sheets``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from ocop_registry.api.deps import RuntimeDep
from ocop_registry.api.dossier_schemas import CriteriaSheetOut, DossierOut, EvidenceOut, dossier_out, sheet_out
from ocop_registry.app import dossiers
from ocop_registry.app.dossier_commands import (
    AcceptDossier,
    AddEvidence,
    CreateDossier,
    EditForm,
    ListDossiers,
    RemoveEvidence,
    ReturnDossier,
    SubmitDossier,
)
from ocop_registry.app.dossier_inputs import DossierIn, FormFields, ReturnIn
from ocop_registry.app.policy import EVERYONE
from ocop_registry.domain.dossier import DossierStatus
from ocop_registry.web_files import evidence_response, read_upload
from ocop_shared.auth import Principal, require
from ocop_shared.limits import UPLOAD

router = APIRouter(tags=["dossiers"])
# everyone who may come near a dossier: a council member reads the dossiers of their councils
Caller = Annotated[Principal, Depends(require(*EVERYONE, "council_member"))]

UPLOAD_BODY: dict[str, Any] = {
    **UPLOAD,  # the upload body limit (OCOP_MAX_UPLOAD_BYTES), not the 1 MB of JSON routes
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "title", "criteria"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PDF, JPEG or PNG, ≤ 20 MB"},
                        "title": {"type": "string", "minLength": 2, "maxLength": 300},
                        "criteria": {
                            "type": "string",
                            "description": "codes of the criteria it supports, comma-separated (e.g. A1.1,C2.2)",
                        },
                    },
                }
            }
        },
    },
}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document, as an attachment, with the content type found when it was checked",
        "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
    }
}


@router.post("/dossiers", status_code=201, response_model=DossierOut, summary="Start a dossier (new, renewal, upgrade)")
async def create(body: DossierIn, rt: RuntimeDep, principal: Caller) -> DossierOut:
    cmd = CreateDossier(body, date.today())
    return dossier_out(await dossiers.create_dossier(cmd, principal, rt.uow(), criteria=rt.criteria))


@router.get("/dossiers", response_model=list[DossierOut], summary="Dossiers within the caller's reach")
async def list_(
    rt: RuntimeDep,
    principal: Caller,
    status: Annotated[list[DossierStatus] | None, Query()] = None,
    cycle_year: Annotated[int | None, Query(ge=2019, le=2100)] = None,
    product_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DossierOut]:
    cmd = ListDossiers(tuple(s.value for s in status or ()), cycle_year, product_id, limit)
    return [dossier_out(d) for d in await dossiers.list_dossiers(cmd, principal, rt.uow())]


@router.get("/dossiers/{dossier_id}", response_model=DossierOut)
async def get(dossier_id: str, rt: RuntimeDep, principal: Caller) -> DossierOut:
    return dossier_out(await dossiers.get_dossier(dossier_id, principal, rt.uow()))


@router.patch("/dossiers/{dossier_id}", response_model=DossierOut, summary="Change the registration form")
async def edit(dossier_id: str, body: FormFields, rt: RuntimeDep, principal: Caller) -> DossierOut:
    return dossier_out(await dossiers.edit_form(EditForm(dossier_id, body), principal, rt.uow()))


@router.post(
    "/dossiers/{dossier_id}/evidence",
    status_code=201,
    response_model=EvidenceOut,
    summary="File an evidence document against criteria (PDF, JPEG, PNG; checked by content; ≤ 20 MB)",
    openapi_extra=UPLOAD_BODY,
)
async def add_evidence(dossier_id: str, request: Request, rt: RuntimeDep, principal: Caller) -> EvidenceOut:
    uow = rt.uow()
    await dossiers.check_may_file(dossier_id, principal, uow)  # before reading a byte of the body
    upload = await read_upload(request, rt.settings.evidence_max_bytes)
    cmd = AddEvidence(dossier_id, upload.data, upload.filename, upload.fields.get("title", ""), upload.criteria)
    evidence = await dossiers.add_evidence(
        cmd, principal, uow, store=rt.evidence, criteria=rt.criteria, max_bytes=rt.settings.evidence_max_bytes
    )
    return EvidenceOut(
        **evidence.model_dump(mode="json", exclude={"file_id"}),
        download=f"/api/v1/dossiers/{dossier_id}/evidence/{evidence.id}",
    )


@router.get(
    "/dossiers/{dossier_id}/evidence/{evidence_id}",
    response_class=StreamingResponse,
    responses=FILE_RESPONSE,
    summary="Download an evidence document (always an attachment)",
)
async def download(dossier_id: str, evidence_id: str, rt: RuntimeDep, principal: Caller) -> StreamingResponse:
    found = await dossiers.evidence_file(dossier_id, evidence_id, principal, rt.uow(), store=rt.evidence)
    return evidence_response(*found)


@router.delete("/dossiers/{dossier_id}/evidence/{evidence_id}", status_code=204, summary="Remove an evidence document")
async def remove(dossier_id: str, evidence_id: str, rt: RuntimeDep, principal: Caller) -> Response:
    await dossiers.remove_evidence(RemoveEvidence(dossier_id, evidence_id), principal, rt.uow(), store=rt.evidence)
    return Response(status_code=204)


@router.post("/dossiers/{dossier_id}/submit", response_model=DossierOut, summary="Submit (or resubmit after a return)")
async def submit(dossier_id: str, rt: RuntimeDep, principal: Caller) -> DossierOut:
    return dossier_out(await dossiers.submit_dossier(SubmitDossier(dossier_id), principal, rt.uow()))


@router.post("/dossiers/{dossier_id}/return", response_model=DossierOut, summary="Return for changes (officials)")
async def return_(dossier_id: str, body: ReturnIn, rt: RuntimeDep, principal: Caller) -> DossierOut:
    cmd = ReturnDossier(dossier_id, body)
    return dossier_out(await dossiers.return_dossier(cmd, principal, rt.uow(), criteria=rt.criteria))


@router.post("/dossiers/{dossier_id}/accept", response_model=DossierOut, summary="Accept for evaluation (officials)")
async def accept(dossier_id: str, rt: RuntimeDep, principal: Caller) -> DossierOut:
    return dossier_out(await dossiers.accept_dossier(AcceptDossier(dossier_id), principal, rt.uow()))


@router.get("/criteria-sheets", response_model=list[CriteriaSheetOut], summary="The criteria sheets (no token)")
async def sheets(rt: RuntimeDep) -> list[CriteriaSheetOut]:
    return [sheet_out(s) for _key, s in sorted(rt.criteria.sheets.items())]
