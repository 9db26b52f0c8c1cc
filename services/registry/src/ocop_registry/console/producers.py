"""Producer pages for officials: the list with its filters, registering a producer, and a producer's page with
its address as recorded ("trước sáp nhập: xã Bằng Phúc, huyện Chợ Đồn, tỉnh Bắc Kạn") and the correction
form (the same checks as the API's PATCH; today's commune chosen when an old one was split)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from ocop_registry.app import producers
from ocop_registry.app.commands import RegisterProducer, SearchProducers, UpdateProducer
from ocop_registry.app.inputs import ProducerIn, ProducerPatch
from ocop_registry.app.policy import STAFF
from ocop_registry.console.common import KINDS, console, redirect, refusal, router
from ocop_registry.domain.producer import Producer
from ocop_registry.runtime import RuntimeDep
from ocop_shared.addresses import address_form, choices_of
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, form_of, require_user
from ocop_shared.errors import AppError

FLASH = {"created": "Đã đăng ký chủ thể.", "updated": "Đã lưu thay đổi."}
FACTS = ("name", "public_name", "kind", "legal_form", "tax_code", "address")
CONTACT = ("phone", "email", "representative")


@router.get("/producers")
async def producers_page(
    request: Request,
    rt: RuntimeDep,
    q: str = "",
    province: str = "",
    kind: str = "",
    commune: str = "",
    pending: str = "",
) -> Response:
    principal = require_user(request, *STAFF)
    cmd = SearchProducers(q=q, province=province, kind=kind, commune=commune, pending=bool(pending))
    rows, provinces = await producers.search_producers(cmd, principal, rt.uow())
    return console.render(
        request,
        "producers.html",
        user=principal,
        title="Chủ thể OCOP",
        rows=rows[:500],
        total=len(rows),
        provinces=provinces,
        kinds=KINDS,
        filters=vars(cmd),
    )


def _facts(form: dict[str, str]) -> dict[str, Any]:
    """The producer's own fields of a form (blank: not given), its contact grouped."""
    fields: dict[str, Any] = {k: (form.get(k) or "").strip() or None for k in FACTS}
    contact = {k: (form.get(k) or "").strip() or None for k in CONTACT}
    if any(contact.values()):
        fields["contact"] = contact
    return fields


def _render_form(
    request: Request,
    principal: Principal,
    *,
    form: dict,
    status: int = 200,
    error: str | None = None,
    choices: list | None = None,
) -> Response:
    return console.render(
        request,
        "producer_new.html",
        status=status,
        user=principal,
        title="Đăng ký chủ thể",
        kinds=KINDS,
        form=form,
        error=error,
        choices=choices or [],
    )


@router.get("/producers/new")
async def new_producer_form(request: Request) -> Response:
    return _render_form(request, require_user(request, *STAFF), form={})


@router.post("/producers/new")
async def new_producer(request: Request, rt: RuntimeDep) -> Response:
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    fields = {k: v for k, v in _facts(form).items() if v is not None}
    try:
        body = ProducerIn.model_validate({**fields, "address": fields.get("address") or "", **address_form(form)})
        created = await producers.register_producer(RegisterProducer(body), principal, rt.uow())
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return _render_form(request, principal, form=form, status=status, error=message, choices=choices_of(exc))
    return redirect(f"{PREFIX}/producers/{created.id}?ok=created")


async def _producer_page(
    request: Request,
    principal: Principal,
    producer: Producer,
    *,
    form: dict | None = None,
    status: int = 200,
    error: str | None = None,
    choices: list | None = None,
) -> Response:
    pending = (
        [c.model_dump() for c in producer.current.candidates] if producer.pending_choice and producer.current else []
    )
    return console.render(
        request,
        "producer.html",
        status=status,
        user=principal,
        title=producer.public_name or producer.name,
        producer=producer,
        kinds=KINDS,
        form=form or {},
        error=error,
        choices=choices or pending,
        flash=FLASH.get(request.query_params.get("ok", "")),
    )


@router.get("/producers/{producer_id}")
async def producer_page(request: Request, rt: RuntimeDep, producer_id: str) -> Response:
    principal = require_user(request, *STAFF)
    return await _producer_page(request, principal, await producers.get_producer(producer_id, principal, rt.uow()))


def _patch(producer: Producer, form: dict[str, str]) -> ProducerPatch:
    """Only what the form changed: the fields that differ from the record, the address units if any is typed."""
    now = producer.model_dump(mode="json")
    changes = {k: v for k, v in _facts(form).items() if k in FACTS and v != (now.get(k) or None)}
    contact = {k: (form.get(k) or "").strip() or None for k in CONTACT}
    if contact != {k: now["contact"].get(k) for k in CONTACT}:
        changes["contact"] = contact
    return ProducerPatch.model_validate(changes | address_form(form))


@router.post("/producers/{producer_id}")
async def update_producer(request: Request, rt: RuntimeDep, producer_id: str) -> Response:
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    producer = await producers.get_producer(producer_id, principal, rt.uow())
    try:
        cmd = UpdateProducer(producer_id, _patch(producer, form))
        await producers.update_producer(cmd, principal, rt.uow())
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return await _producer_page(
            request, principal, producer, form=form, status=status, error=message, choices=choices_of(exc)
        )
    return redirect(f"{PREFIX}/producers/{producer_id}?ok=updated")
