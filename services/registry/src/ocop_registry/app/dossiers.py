"""Use cases of dossiers (hồ sơ đánh giá, phân hạng): create one (new, renewal, upgrade), fill the form, file and
remove evidence, submit; an official returns or accepts it; reading, listing, downloading evidence; which
products need a renewal dossier.

A renewal (đánh giá lại) may start 90 days before the certificate ends (``EXPIRY_WARNING_DAYS``) or after it
expired; an upgrade (nâng hạng) any time a certificate below 5★ is active. Both are prefilled from the
product's last dossier: its form, and its evidence (the same stored files, marked as filed before), so a
producer moving from 3★ to 4★ adds what is new instead of redoing hundreds of pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

from bson import ObjectId

from ocop_registry.adapters.evidence_files import inspect
from ocop_registry.app import dossier_policy as access
from ocop_registry.app.certificates import active_certificate
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
from ocop_registry.app.ports import (
    CertificateQuery,
    CouncilQuery,
    DossierQuery,
    EvidenceStore,
    ProductQuery,
    UnitOfWork,
)
from ocop_registry.app.products import product_for
from ocop_registry.domain.certificate import EXPIRY_WARNING_DAYS, Certificate, CertificateStatus
from ocop_registry.domain.criteria import CriteriaBook
from ocop_registry.domain.dossier import (
    EDITABLE,
    Dossier,
    DossierIncomplete,
    DossierKind,
    Evidence,
    RegistrationForm,
    ReturnItem,
    Review,
    check_criteria,
)
from ocop_registry.domain.product import Product
from ocop_shared.auth import Principal
from ocop_shared.errors import Conflict, DomainError, Refusal
from ocop_shared.events.envelope import utcnow


class NotDue(Refusal, DomainError, code="renewal_not_due", text="Chưa đến thời hạn đánh giá lại"): ...


class WrongKind(Refusal, DomainError, code="wrong_dossier_kind", text="Loại hồ sơ không phù hợp với sản phẩm"): ...


class UseRenewal(
    Refusal,
    Conflict,
    code="already_certified",
    text="Sản phẩm đang có giấy chứng nhận còn hiệu lực: tạo hồ sơ đánh giá lại hoặc nâng hạng",
): ...


# -- creating ----------------------------------------------------------------------------------------


async def create_dossier(
    cmd: CreateDossier, principal: Principal, uow: UnitOfWork, *, criteria: CriteriaBook
) -> Dossier:
    given = cmd.dossier
    if given.cycle_year > cmd.today.year + 1:
        raise DomainError("invalid_cycle_year", f"Năm đánh giá {given.cycle_year} quá xa (tối đa {cmd.today.year + 1})")
    async with uow:
        product, producer = await product_for(principal, uow, given.product_id, write=False)
        access.may_prepare(principal, producer.id, producer.province_code)
        sheet = criteria.sheet(criteria.current, product.group.value)
        previous = await _previous_certificate(uow, product, given.kind, cmd.today)
        last = await _last_dossier(uow, product.id) if given.kind is not DossierKind.new else None
        now = utcnow()
        prefill = last.form.model_dump(include={"sub_group", "business_plan", "production_capacity"}) if last else {}
        form = RegistrationForm(
            product_name=product.name,
            producer_name=producer.public_name or producer.name,
            group=product.group,
            **(
                {"sub_group": product.sub_group}
                | prefill
                | (given.form.model_dump(exclude_unset=True) if given.form else {})
            ),
        )
        dossier = Dossier(
            id=str(ObjectId()),
            product_id=product.id,
            producer_id=producer.id,
            province=producer.province,
            commune=producer.commune,
            cycle_year=given.cycle_year,
            kind=given.kind,
            criteria_version=sheet.version,
            sheet_revision=sheet.revision,
            form=form,
            evidence=_reused(last, sheet.codes()) if last else [],
            previous_dossier_id=last.id if last else None,
            previous_certificate_id=previous.id if previous else None,
            created_at=now,
            created_by=principal.subject,
            updated_at=now,
        )
        dossier.created(principal.subject)
        await uow.dossiers.add(dossier)
        await uow.commit()
    return dossier


async def _previous_certificate(
    uow: UnitOfWork, product: Product, kind: DossierKind, today: date
) -> Certificate | None:
    """The certificate a renewal or upgrade follows (checking the kind fits the product)."""
    active = await active_certificate(uow, product)
    if kind is DossierKind.new:
        if active is not None:
            raise UseRenewal()
        return None
    if kind is DossierKind.upgrade:
        if active is None:
            raise WrongKind("Nâng hạng cần một giấy chứng nhận còn hiệu lực: tạo hồ sơ đăng ký mới")
        if active.stars >= 5:
            raise WrongKind("Sản phẩm đã đạt 5★: không còn hạng để nâng")
        return active
    if active is not None:
        left = (active.valid_until - today).days
        if left > EXPIRY_WARNING_DAYS:
            raise NotDue(
                f"Giấy chứng nhận còn hiệu lực {left} ngày (đến {active.valid_until:%d/%m/%Y}); hồ sơ đánh giá lại "
                f"nộp từ {EXPIRY_WARNING_DAYS} ngày trước khi hết hạn"
            )
        return active
    history = await uow.certificates.select(CertificateQuery(product_id=product.id, sort="issued_on"))
    if history and history[-1].status is CertificateStatus.expired:
        return history[-1]
    raise WrongKind("Sản phẩm không có giấy chứng nhận hết hạn hoặc sắp hết hạn: tạo hồ sơ đăng ký mới")


async def _last_dossier(uow: UnitOfWork, product_id: str) -> Dossier | None:
    found = await uow.dossiers.select(DossierQuery(product_id=product_id))
    return found[0] if found else None


def _reused(last: Dossier, codes: dict[str, str]) -> list[Evidence]:
    """The last dossier's evidence, filed again (the same stored files) against the criteria still known."""
    out = []
    for e in last.evidence:
        kept = [c for c in e.criteria if c in codes]
        if kept:
            out.append(
                e.model_copy(update={"id": str(ObjectId()), "criteria": kept, "reused_from": e.reused_from or last.id})
            )
    return out


# -- preparing ---------------------------------------------------------------------------------------


async def edit_form(cmd: EditForm, principal: Principal, uow: UnitOfWork) -> Dossier:
    async with uow:
        dossier = await access.preparable_dossier(principal, uow, cmd.dossier_id)
        dossier.edit_form(cmd.changes.model_dump(exclude_unset=True), utcnow())
        await uow.dossiers.save(dossier)
        await uow.commit()
    return dossier


async def check_may_file(dossier_id: str, principal: Principal, uow: UnitOfWork) -> Dossier:
    """Whether the caller may file evidence on the dossier now (asked before an upload is read)."""
    dossier = await access.preparable_dossier(principal, uow, dossier_id)
    dossier.require(*EDITABLE, doing="nộp thêm tài liệu")
    return dossier


async def add_evidence(
    cmd: AddEvidence,
    principal: Principal,
    uow: UnitOfWork,
    *,
    store: EvidenceStore,
    criteria: CriteriaBook,
    max_bytes: int,
) -> Evidence:
    """Check the file by its content, store it, then file it on the dossier (the stored file is deleted again
    when the dossier refuses it)."""
    dossier = await check_may_file(cmd.dossier_id, principal, uow)  # before storing anything
    title = " ".join(cmd.title.split())[:300]
    if len(title) < 2:
        raise DossierIncomplete("Nhập tên tài liệu (ít nhất 2 ký tự)")
    codes = criteria.sheet(dossier.criteria_version, dossier.form.group.value).codes()
    check_criteria(cmd.criteria, codes)
    found = await asyncio.to_thread(inspect, cmd.data, cmd.filename, max_bytes=max_bytes)
    evidence_id = str(ObjectId())
    file_id = await store.put(
        cmd.data,
        filename=found.filename,
        content_type=found.content_type,
        metadata={"dossier_id": dossier.id, "evidence_id": evidence_id, "sha256": found.sha256},
    )
    try:
        async with uow:
            dossier = await access.preparable_dossier(principal, uow, cmd.dossier_id)
            evidence = Evidence(
                id=evidence_id,
                file_id=file_id,
                filename=found.filename,
                content_type=found.content_type,  # one of the three inspect() finds
                size=found.size,
                sha256=found.sha256,
                pages=found.pages,
                width=found.width,
                height=found.height,
                title=title,
                criteria=list(dict.fromkeys(cmd.criteria)),
                uploaded_at=utcnow(),
                uploaded_by=principal.subject,
            )
            dossier.add_evidence(evidence, codes)
            await uow.dossiers.save(dossier)
            await uow.commit()
    except BaseException:
        await store.delete(file_id)
        raise
    return evidence


async def remove_evidence(cmd: RemoveEvidence, principal: Principal, uow: UnitOfWork, *, store: EvidenceStore) -> None:
    async with uow:
        dossier = await access.preparable_dossier(principal, uow, cmd.dossier_id)
        removed = dossier.remove_evidence(cmd.evidence_id, utcnow())
        await uow.dossiers.save(dossier)
        await uow.commit()
    if not await uow.dossiers.using_file(removed.file_id):  # nobody else filed the same file (a renewal's copy)
        await store.delete(removed.file_id)


async def submit_dossier(cmd: SubmitDossier, principal: Principal, uow: UnitOfWork) -> Dossier:
    async with uow.acting(principal, "dossier.submit", dossier=cmd.dossier_id):
        dossier = await access.preparable_dossier(principal, uow, cmd.dossier_id)
        dossier.submit(principal.subject, utcnow())
        await uow.dossiers.save(dossier)
        await uow.commit()
    return dossier


# -- reviewing ---------------------------------------------------------------------------------------


async def return_dossier(
    cmd: ReturnDossier, principal: Principal, uow: UnitOfWork, *, criteria: CriteriaBook
) -> Dossier:
    async with uow.acting(principal, "dossier.return", dossier=cmd.dossier_id):
        dossier = await access.reviewable_dossier(principal, uow, cmd.dossier_id)
        codes = criteria.sheet(dossier.criteria_version, dossier.form.group.value).codes()
        review = Review(
            at=utcnow(),
            by=principal.subject,
            comment=cmd.review.comment,
            items=[ReturnItem(ref=i.ref, comment=i.comment) for i in cmd.review.items],
        )
        dossier.return_for_changes(review, codes)
        await uow.dossiers.save(dossier)
        await uow.commit()
    return dossier


async def accept_dossier(cmd: AcceptDossier, principal: Principal, uow: UnitOfWork) -> Dossier:
    async with uow.acting(principal, "dossier.accept", dossier=cmd.dossier_id):
        dossier = await access.reviewable_dossier(principal, uow, cmd.dossier_id)
        dossier.accept(principal.subject, utcnow())
        await uow.dossiers.save(dossier)
        await uow.commit()
    return dossier


# -- reading -----------------------------------------------------------------------------------------


async def get_dossier(dossier_id: str, principal: Principal, uow: UnitOfWork) -> Dossier:
    return await access.readable_dossier(principal, uow, dossier_id)


async def list_dossiers(cmd: ListDossiers, principal: Principal, uow: UnitOfWork) -> list[Dossier]:
    """A producer's own; staff's within their provinces; a council member's in the councils they sit on."""
    base = DossierQuery(statuses=cmd.statuses, cycle_year=cmd.cycle_year, product_id=cmd.product_id, limit=cmd.limit)
    if principal.role == "council_member":
        councils = await uow.councils.select(CouncilQuery(member=principal.subject))
        ids = tuple(i for c in councils for i in c.dossier_ids)
        return await uow.dossiers.select(DossierQuery(**{**vars(base), "ids": ids})) if ids else []
    scope = principal.scope
    return await uow.dossiers.select(
        DossierQuery(**{**vars(base), "producer_id": scope.producer_id, "provinces": scope.provinces})
    )


async def evidence_file(
    dossier_id: str, evidence_id: str, principal: Principal, uow: UnitOfWork, *, store: EvidenceStore
) -> tuple[Evidence, int, AsyncIterator[bytes]]:
    dossier = await access.readable_dossier(principal, uow, dossier_id)
    evidence = dossier.find_evidence(evidence_id)
    length, chunks = await store.open(evidence.file_id)
    return evidence, length, chunks


@dataclass(frozen=True)
class RenewalNotice:
    """A certified product whose certificate ends within 90 days (or has ended): cần nộp hồ sơ đánh giá lại."""

    product_id: str
    product_name: str
    certificate: Certificate
    days_left: int
    dossier_id: str | None  # the renewal dossier already started, if any


async def renewal_notices(principal: Principal, uow: UnitOfWork, today: date) -> list[RenewalNotice]:
    scope = principal.scope
    through = (today + timedelta(days=EXPIRY_WARNING_DAYS)).isoformat()
    due = await uow.certificates.select(
        CertificateQuery(
            status="active",
            producer_id=scope.producer_id,
            provinces=scope.provinces,
            valid_until_through=through,
            sort="valid_until",
        )
    )
    if not due:
        return []
    dossiers = await uow.dossiers.select(DossierQuery(producer_id=scope.producer_id, provinces=scope.provinces))
    started = {d.previous_certificate_id: d.id for d in dossiers if d.kind is DossierKind.renewal}
    products = await uow.products.select(ProductQuery(ids=tuple(c.product_id for c in due)))
    names = {p.id: p.name for p in products}
    return [
        RenewalNotice(c.product_id, names.get(c.product_id, ""), c, (c.valid_until - today).days, started.get(c.id))
        for c in due
    ]
