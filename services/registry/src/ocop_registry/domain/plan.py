"""Plans (kế hoạch OCOP): a province's yearly targets per unit, and the progress counted against them.

A plan (number, year, issuing body) lists indicators (configuration: ``INDICATORS``) and, per unit as the
plan writes it (an old district or province from before 07/2025, or today's province or commune), the target
of each indicator. Progress is counted live from facts about products and producers (``ProductFacts``),
each carrying the unit keys it belongs to: today's units and the old ones recorded or traced back through
the unit mapping (a commune of today formed from one old district counts towards that district).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ocop_shared.errors import DomainError

Scheme = Literal["legacy", "current"]
Level = Literal["province", "district", "commune"]
Counted = Literal["product", "producer"]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # as the seed plans word it
    counted: Counted
    definition: str  # how it is counted (shown on the dashboard and in the report)


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator(
            "new_3star",
            "Sản phẩm mới đạt 3 sao trở lên",
            "product",
            "Sản phẩm được công nhận OCOP lần đầu (hoặc lại sau khi hết hạn/thu hồi) từ 3 sao trở lên, "
            "quyết định trong kỳ",
        ),
        Indicator(
            "producers_consolidated",
            "Chủ thể được củng cố, phát triển",
            "producer",
            "Chủ thể có sản phẩm OCOP được công nhận lại hoặc nâng hạng sao trong kỳ",
        ),
        Indicator(
            "new_producers",
            "Chủ thể mới có sản phẩm tham gia",
            "producer",
            "Chủ thể có giấy chứng nhận OCOP đầu tiên trong kỳ (chưa có giấy nào trước kỳ)",
        ),
        Indicator(
            "traced",
            "Sản phẩm có truy xuất nguồn gốc",
            "product",
            "Sản phẩm OCOP còn hiệu lực đã có lô tem truy xuất (từ dịch vụ truy xuất)",
        ),
        Indicator(
            "linked",
            "Chủ thể tham gia liên kết sản xuất và tiêu thụ",
            "producer",
            "Chủ thể có sản phẩm OCOP còn hiệu lực và ít nhất một liên kết sản xuất – tiêu thụ có văn bản "
            "(hợp đồng) ghi trong hồ sơ",
        ),
        Indicator(
            "advanced_quality",
            "Sản phẩm áp dụng quản lý chất lượng tiên tiến",
            "product",
            "Sản phẩm OCOP còn hiệu lực có chứng nhận VietGAP, GlobalGAP, hữu cơ, HACCP, ISO 22000, ISO 9001 "
            "hoặc FSSC 22000 ghi trong hồ sơ sản phẩm",
        ),
    )
}
# The product's quality certifications (``QualityCertification.scheme``) that are "advanced quality management"
# in the plans' sense (KH 180/2024: Organic, ISO 22000, HACCP, VietGAP…); "other" is not.
ADVANCED_QUALITY = frozenset({"VietGAP", "GlobalGAP", "organic", "HACCP", "ISO 22000", "ISO 9001", "FSSC 22000"})


def advanced(schemes: Iterable[str]) -> bool:
    return any(s in ADVANCED_QUALITY for s in schemes)


class PlanUnit(BaseModel):
    """A unit as the plan names it (``written``) and what it is: scheme, level, GSO code and name."""

    written: str
    scheme: Scheme
    level: Level
    code: str
    name: str

    @property
    def key(self) -> str:
        return unit_key(self.scheme, self.level, self.code)


def unit_key(scheme: str, level: str, code: str) -> str:
    return f"{scheme}:{level}:{code}"


class Target(BaseModel):
    unit: PlanUnit
    values: dict[str, int | None]  # indicator key → target (None: the plan sets none for this unit)


class Plan(BaseModel):
    id: str
    number: str = Field(min_length=1, max_length=60)  # "180/KH-UBND"
    year: int = Field(ge=2018, le=2100)
    issuer: str = Field(min_length=1, max_length=200)  # "UBND tỉnh Bắc Kạn"
    title: str = Field(default="", max_length=300)
    issued_on: date | None = None
    province: dict  # today's province the plan's units lie in ({"code", "name"}): scopes read it
    indicators: list[str]
    targets: list[Target]
    total_unit: str | None = None  # key of the plan's own total row ("Toàn tỉnh"), if it has one
    created_at: datetime
    created_by: str

    @field_validator("indicators")
    @classmethod
    def _known(cls, keys: list[str]) -> list[str]:
        unknown = [k for k in keys if k not in INDICATORS]
        if unknown or not keys:
            raise DomainError("unknown_indicator", f"Chỉ tiêu không có trong cấu hình: {', '.join(unknown) or '∅'}")
        return list(dict.fromkeys(keys))

    @property
    def province_code(self) -> str | None:
        return self.province.get("code")


@dataclass(frozen=True)
class CertificateFact:
    kind: str  # issued | renewed | upgraded
    status: str
    stars: int
    issued_on: date


@dataclass(frozen=True)
class ProductFacts:
    """What the system knows about one product for the plan's indicators."""

    product_id: str
    name: str
    producer_id: str
    producer_name: str
    units: frozenset[str]  # unit keys (``unit_key``) the product's producer belongs to
    certificates: tuple[CertificateFact, ...]
    traced: bool = False
    quality: tuple[str, ...] = ()
    producer_linked: bool = False
    producer_first_certificate: date | None = None


@dataclass
class Cell:
    target: int | None
    actual: int = 0
    products: list[dict[str, str]] = field(default_factory=list)  # {id, name, producer} behind the figure

    @property
    def percent(self) -> float | None:
        return round(100 * self.actual / self.target, 1) if self.target else None


def counts(indicator: str, f: ProductFacts, year: int) -> bool:
    """Whether product ``f`` counts for ``indicator`` in ``year`` (producer indicators: per producer)."""
    in_year = [c for c in f.certificates if c.issued_on.year == year]
    active = any(c.status == "active" for c in f.certificates)
    if indicator == "new_3star":
        return any(c.kind == "issued" and c.stars >= 3 for c in in_year)
    if indicator == "producers_consolidated":
        return any(c.kind in ("renewed", "upgraded") for c in in_year)
    if indicator == "new_producers":
        return f.producer_first_certificate is not None and f.producer_first_certificate.year == year
    if indicator == "traced":
        return active and f.traced
    if indicator == "linked":
        return active and f.producer_linked
    if indicator == "advanced_quality":
        return active and advanced(f.quality)
    raise DomainError("unknown_indicator", f"Chỉ tiêu không có trong cấu hình: {indicator}")


UNATTRIBUTED = "unattributed"


def progress(plan: Plan, facts: Iterable[ProductFacts], year: int) -> dict[str, dict[str, Cell]]:
    """Per target unit key (and ``UNATTRIBUTED``: products in the plan's total that no unit row takes, e.g. a
    commune of today formed from communes of two old districts), per indicator: target, actual, the products.
    Producer indicators count each producer once per unit (the products listed are those that qualify)."""
    rows = {t.unit.key: {k: Cell(t.values.get(k)) for k in plan.indicators} for t in plan.targets}
    detail_keys = [t.unit.key for t in plan.targets if t.unit.key != plan.total_unit]
    rows[UNATTRIBUTED] = {k: Cell(None) for k in plan.indicators}
    seen: dict[tuple[str, str], set[str]] = {}
    for f in facts:
        keys = [k for k in rows if k in f.units]
        if plan.total_unit in f.units and not any(k in f.units for k in detail_keys):
            keys.append(UNATTRIBUTED)
        for ind in plan.indicators:
            if not keys or not counts(ind, f, year):
                continue
            for key in keys:
                cell = rows[key][ind]
                cell.products.append({"id": f.product_id, "name": f.name, "producer": f.producer_name})
                if INDICATORS[ind].counted == "producer":
                    done = seen.setdefault((key, ind), set())
                    if f.producer_id in done:
                        continue
                    done.add(f.producer_id)
                cell.actual += 1
    return rows


def quarters(facts: Iterable[ProductFacts], year: int, units: frozenset[str] | None = None) -> list[int]:
    """New recognitions (3★+) per quarter of ``year`` among products of ``units`` (all when None)."""
    out = [0, 0, 0, 0]
    for f in facts:
        if units is not None and not (f.units & units):
            continue
        for c in f.certificates:
            if c.kind == "issued" and c.stars >= 3 and c.issued_on.year == year:
                out[(c.issued_on.month - 1) // 3] += 1
    return out
