"""Use cases of plans (kế hoạch OCOP): record a plan's targets, list and read plans, and count its progress
live from the registry's certificates, products, producers and traceability's stamp runs.

Plans before 07/2025 name old districts: each target unit is found in the old list (``history``), and each
producer is placed in the old units it was recorded in or, when it was registered in today's units, in the
old district its commune came from (``unit_keys``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bson import ObjectId

from ocop_registry.app import policy
from ocop_registry.app.inputs import PlanIn
from ocop_registry.app.ports import CertificateQuery, ProductQuery, UnitOfWork
from ocop_registry.domain.errors import OutOfScope, PlanNotFound
from ocop_registry.domain.plan import (
    INDICATORS,
    UNATTRIBUTED,
    Cell,
    CertificateFact,
    Plan,
    PlanUnit,
    ProductFacts,
    Target,
    progress,
    quarters,
    unit_key,
)
from ocop_registry.domain.producer import Producer
from ocop_shared.admin_units import UnknownUnit, current, history, legacy
from ocop_shared.auth import Principal
from ocop_shared.errors import DomainError
from ocop_shared.events.envelope import utcnow

TOTAL_WORDS = ("toàn tỉnh", "tổng", "tổng cộng", "toàn thành phố", "cộng")


def _scheme(body: PlanIn) -> str:
    if body.unit_scheme:
        return body.unit_scheme
    before = body.issued_on < date(2025, 7, 1) if body.issued_on else body.year < 2025
    return "legacy" if before else "current"


def new_plan(body: PlanIn, principal: Principal, enabled: Iterable[str] = tuple(INDICATORS)) -> Plan:
    """The plan with its units found in the list it was written in (422 naming any unit not found)."""
    allowed = set(enabled)
    off = [k for k in body.indicators if k not in allowed]
    if off:
        raise DomainError("unknown_indicator", f"Chỉ tiêu không có trong cấu hình: {', '.join(off)}")
    scheme = _scheme(body)
    if scheme == "legacy":
        old = history.old_province(body.province)
        today = current.province(legacy.tables().province_of_new[old.code])
        total = PlanUnit(written="", scheme="legacy", level="province", code=old.code, name=old.name)
    else:
        written = body.province.strip()
        found = current.province(f"{int(written):02d}") if written.isdigit() else current.match_province(written)
        if found is None:
            raise UnknownUnit(f"Không có tỉnh/thành phố '{body.province}' trong danh mục hiện hành")
        today = found
        total = PlanUnit(written="", scheme="current", level="province", code=found.code, name=found.name)
    assert today is not None
    targets: list[Target] = []
    has_total = False
    for row in body.targets:
        unknown = [k for k in row.values if k not in body.indicators]
        if unknown:
            raise DomainError("unknown_indicator", f"Dòng '{row.unit}': chỉ tiêu không có trong kế hoạch: {unknown}")
        if row.unit.strip().lower() in TOTAL_WORDS:
            unit = total.model_copy(update={"written": row.unit})
            has_total = True
        elif scheme == "legacy":
            d = history.old_district(total.code, row.unit)
            unit = PlanUnit(written=row.unit, scheme="legacy", level="district", code=d.code, name=d.name)
        else:
            hits, _how = current.communes(today.code).match(row.unit)
            if len(hits) != 1:
                raise UnknownUnit(f"Không tìm thấy xã/phường '{row.unit}' của {today.name}")
            unit = PlanUnit(written=row.unit, scheme="current", level="commune", code=hits[0].code, name=hits[0].name)
        if any(t.unit.key == unit.key for t in targets):
            raise DomainError("duplicate_unit", f"Đơn vị '{row.unit}' có hai dòng trong kế hoạch")
        targets.append(Target(unit=unit, values={k: row.values.get(k) for k in body.indicators}))
    if not has_total:  # the plan's whole area is always a row: its figures are the province's
        sums = {k: sum(t.values[k] or 0 for t in targets) for k in body.indicators}
        targets.append(Target(unit=total.model_copy(update={"written": "Toàn tỉnh"}), values=dict(sums)))
    return Plan(
        id=str(ObjectId()),
        number=body.number.strip(),
        year=body.year,
        issuer=body.issuer.strip(),
        title=body.title.strip(),
        issued_on=body.issued_on,
        province={"code": today.code, "name": today.name},
        indicators=body.indicators,
        targets=targets,
        total_unit=total.key,
        created_at=utcnow(),
        created_by=principal.subject,
    )


async def create_plan(body: PlanIn, principal: Principal, uow: UnitOfWork, enabled: Iterable[str]) -> Plan:
    policy.require_staff(principal)
    plan = new_plan(body, principal, enabled)
    if not principal.covers(plan.province_code):
        raise OutOfScope("Cán bộ chỉ nhập kế hoạch của tỉnh mình phụ trách")
    async with uow:
        await uow.plans.add(plan)
        await uow.commit()
    return plan


async def list_plans(principal: Principal, uow: UnitOfWork) -> list[Plan]:
    policy.require_staff(principal)
    return await uow.plans.in_provinces(principal.scope.provinces)


async def get_plan(plan_id: str, principal: Principal, uow: UnitOfWork) -> Plan:
    policy.require_staff(principal)
    plan = await uow.plans.get(plan_id)
    if plan is None or not principal.covers(plan.province_code):
        raise PlanNotFound()
    return plan


def unit_keys(p: Producer) -> frozenset[str]:
    """The units a producer counts in: today's province and commune, and the old ones: as recorded when its
    address was written in old units, else those its commune of today came from (one old district only:
    a commune formed from two districts' communes counts towards neither district, only the province)."""
    keys = {unit_key("current", "province", p.province.get("code") or "")}
    if p.commune and p.commune.get("code"):
        keys.add(unit_key("current", "commune", p.commune["code"]))
    r = p.recorded
    if r is not None and r.scheme == "legacy":
        if r.province.code:
            keys.add(unit_key("legacy", "province", r.province.code))
        if r.district and r.district.code:
            keys.add(unit_key("legacy", "district", r.district.code))
        if r.commune and r.commune.code:
            keys.add(unit_key("legacy", "commune", r.commune.code))
            found = history.commune_district(r.commune.code)
            if found:
                keys |= {unit_key("legacy", "district", found[0]), unit_key("legacy", "province", found[1])}
    elif p.commune and p.commune.get("code"):
        origin = history.origin(p.commune["code"])
        if len(origin.districts) == 1:
            keys.add(unit_key("legacy", "district", next(iter(origin.districts))))
        if len(origin.provinces) == 1:
            keys.add(unit_key("legacy", "province", next(iter(origin.provinces))))
    return frozenset(k for k in keys if not k.endswith(":"))


async def facts(plan: Plan, principal: Principal, uow: UnitOfWork) -> list[ProductFacts]:
    """What counts for the plan's indicators, per product certified in the plan's province (and the caller's)."""
    if not principal.covers(plan.province_code):
        raise PlanNotFound()
    # the province's certificates only (a caller scoped to several provinces: the query's scope would widen it)
    query = CertificateQuery(provinces=principal.scope.provinces, province_code=plan.province_code)
    certs = [c for c in await uow.certificates.select(query) if c.province.get("code") == plan.province_code]
    by_product: dict[str, list[CertificateFact]] = {}
    first: dict[str, date] = {}
    for c in certs:
        by_product.setdefault(c.product_id, []).append(
            CertificateFact(c.kind.value, c.status.value, c.stars, c.issued_on)
        )
        first[c.producer_id] = min(first.get(c.producer_id, c.issued_on), c.issued_on)
    products = await uow.products.select(ProductQuery(ids=tuple(by_product)))
    producers = await uow.producers.many({p.producer_id for p in products})
    traced = await uow.traced.among(by_product)
    out = []
    for product in products:
        producer = producers.get(product.producer_id)
        if producer is None:
            continue
        out.append(
            ProductFacts(
                product_id=product.id,
                name=product.name,
                producer_id=producer.id,
                producer_name=producer.public_name or producer.name,
                units=unit_keys(producer),
                certificates=tuple(by_product[product.id]),
                traced=product.id in traced,
                quality=tuple(q.scheme for q in product.certifications),
                producer_linked=any(link.evidence.strip() for link in producer.linkages),
                producer_first_certificate=first.get(producer.id),
            )
        )
    return out


async def plan_progress(plan_id: str, year: int | None, principal: Principal, uow: UnitOfWork) -> dict:
    """The plan's table (per unit row and indicator: target, actual, percent, the products behind it), the
    per-quarter new recognitions of the period, and the definitions used."""
    plan = await get_plan(plan_id, principal, uow)
    period = year or plan.year
    found = await facts(plan, principal, uow)
    cells = progress(plan, found, period)
    rows = []
    for t in plan.targets:
        rows.append(_row(t.unit.key, t.unit.name, t.unit.written, t.unit.key == plan.total_unit, cells[t.unit.key]))
    extra = cells[UNATTRIBUTED]
    if any(c.actual for c in extra.values()):
        rows.insert(len(rows) - 1, _row(UNATTRIBUTED, "Chưa xác định huyện cũ", "", False, extra))
    return {
        "plan": plan.model_dump(mode="json"),
        "period": period,
        "indicators": [
            {
                "key": k,
                "label": INDICATORS[k].label,
                "counted": INDICATORS[k].counted,
                "definition": INDICATORS[k].definition,
            }
            for k in plan.indicators
        ],
        "rows": rows,
        "quarters": quarters(found, period, frozenset({plan.total_unit or ""})),
        "computed_at": utcnow().isoformat(),
    }


def _row(key: str, name: str, written: str, total: bool, cells: dict[str, Cell]) -> dict:
    return {
        "unit": key,
        "name": name,
        "written": written,
        "total": total,
        "cells": {
            k: {"target": c.target, "actual": c.actual, "percent": c.percent, "products": c.products}
            for k, c in cells.items()
        },
    }
