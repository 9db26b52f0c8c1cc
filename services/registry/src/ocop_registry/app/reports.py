"""KPI reports officials use (the per-unit tables of the provincial OCOP plans).

Each report returns ``columns`` (key, Vietnamese header) and ``rows`` so the same data serves JSON, the
console's tables and Excel. A report covers the caller's provinces (all for unscoped officials, operators).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from ocop_registry.app import policy
from ocop_registry.app.commands import ExpiringReport
from ocop_registry.app.ports import CertificateQuery, ProductQuery, UnitOfWork
from ocop_registry.domain.certificate import Certificate
from ocop_shared.auth import Principal
from ocop_shared.vocabulary import GROUP_NAMES

Report = dict[str, Any]


async def _certificates(principal: Principal, uow: UnitOfWork, **match: Any) -> list[Certificate]:
    policy.require_staff(principal)
    return await uow.certificates.select(CertificateQuery(provinces=principal.scope.provinces, **match))


def _unit(c: Certificate) -> tuple[str, str]:
    return c.province.get("name", ""), (c.commune or {}).get("name", "")


async def products_by_stars(principal: Principal, uow: UnitOfWork) -> Report:
    """Certified (active) products per administrative unit and group, by star rank."""
    counts: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    for c in await _certificates(principal, uow, status="active"):
        counts[(*_unit(c), c.group)][c.stars] += 1
    rows = [
        {
            "province": p,
            "commune": m,
            "group": GROUP_NAMES[g],
            "stars_3": n[3],
            "stars_4": n[4],
            "stars_5": n[5],
            "total": sum(n.values()),
        }
        for (p, m, g), n in sorted(counts.items())
    ]
    return {
        "title": "Sản phẩm OCOP theo hạng sao, nhóm và đơn vị hành chính",
        "columns": [
            ("province", "Tỉnh/thành phố"),
            ("commune", "Xã/phường"),
            ("group", "Nhóm sản phẩm"),
            ("stars_3", "3 sao"),
            ("stars_4", "4 sao"),
            ("stars_5", "5 sao"),
            ("total", "Tổng"),
        ],
        "rows": rows,
        "total": sum(r["total"] for r in rows),
    }


async def new_certifications(principal: Principal, uow: UnitOfWork) -> Report:
    """Certificates per year of decision: new recognitions, renewals, upgrades."""
    counts: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for c in await _certificates(principal, uow):
        counts[(c.issued_on.year, c.province.get("name", ""))][c.kind.value] += 1
    rows = [
        {"year": y, "province": p, "issued": n["issued"], "renewed": n["renewed"], "upgraded": n["upgraded"]}
        for (y, p), n in sorted(counts.items())
    ]
    return {
        "title": "Số sản phẩm được công nhận OCOP theo năm",
        "columns": [
            ("year", "Năm"),
            ("province", "Tỉnh/thành phố"),
            ("issued", "Công nhận mới"),
            ("renewed", "Công nhận lại"),
            ("upgraded", "Nâng hạng"),
        ],
        "rows": rows,
    }


async def expiring(cmd: ExpiringReport, principal: Principal, uow: UnitOfWork) -> Report:
    limit = (cmd.today + timedelta(days=cmd.days)).isoformat()
    certs = await _certificates(principal, uow, status="active", valid_until_through=limit)
    products = {p.id: p for p in await uow.products.select(ProductQuery(ids=tuple(c.product_id for c in certs)))}
    producers = await uow.producers.many(c.producer_id for c in certs)
    rows = []
    for c in sorted(certs, key=lambda c: c.valid_until):
        producer, product = producers.get(c.producer_id), products.get(c.product_id)
        rows.append(
            {
                "product_id": c.product_id,
                "product": product.name if product else "",
                "producer": (producer.public_name if producer else ""),
                "province": c.province.get("name", ""),
                "stars": c.stars,
                "decision_no": c.decision_no,
                "valid_until": c.valid_until.isoformat(),
                "days_left": (c.valid_until - cmd.today).days,
                "certificate_id": c.id,
            }
        )
    return {
        "title": f"Giấy chứng nhận OCOP hết hạn trong {cmd.days} ngày",
        "columns": [
            ("product", "Sản phẩm"),
            ("producer", "Chủ thể"),
            ("province", "Tỉnh/thành phố"),
            ("stars", "Hạng sao"),
            ("decision_no", "Quyết định"),
            ("valid_until", "Hiệu lực đến"),
            ("days_left", "Còn (ngày)"),
        ],
        "rows": rows,
    }


async def traceability(principal: Principal, uow: UnitOfWork) -> Report:
    """Certified products that have traceability stamps, counted from traceability's stamp-run events."""
    certs = await _certificates(principal, uow, status="active")
    traced = await uow.traced.among(c.product_id for c in certs)
    on_portal = await uow.portal.published_among(c.product_id for c in certs)
    per_unit: dict[str, Counter] = defaultdict(Counter)
    for c in certs:
        unit = c.province.get("name", "")
        per_unit[unit]["certified"] += 1
        per_unit[unit]["traced"] += c.product_id in traced
        per_unit[unit]["on_portal"] += c.product_id in on_portal
    rows = [
        {
            "province": u,
            "certified": n["certified"],
            "traced": n["traced"],
            "percent": round(100 * n["traced"] / n["certified"], 1) if n["certified"] else 0.0,
            "on_portal": n["on_portal"],
            "portal_percent": round(100 * n["on_portal"] / n["certified"], 1) if n["certified"] else 0.0,
        }
        for u, n in sorted(per_unit.items())
    ]
    return {
        "title": "Sản phẩm OCOP có tem truy xuất nguồn gốc",
        "columns": [
            ("province", "Tỉnh/thành phố"),
            ("certified", "Sản phẩm OCOP còn hiệu lực"),
            ("traced", "Có tem truy xuất"),
            ("percent", "Tỷ lệ (%)"),
            ("on_portal", "Trên Cổng truy xuất quốc gia"),
            ("portal_percent", "Tỷ lệ trên Cổng (%)"),
        ],
        "rows": rows,
    }


# The reports without parameters, by their URL name, with the file name of their Excel download.
TABLES: dict[str, Callable[[Principal, UnitOfWork], Awaitable[Report]]] = {
    "products-by-stars": products_by_stars,
    "new-certifications": new_certifications,
    "traceability": traceability,
}
FILE_NAMES = {
    "products-by-stars": "ocop-theo-hang-sao",
    "new-certifications": "ocop-theo-nam",
    "traceability": "ocop-truy-xuat",
    "expiring": "ocop-sap-het-han",
}
