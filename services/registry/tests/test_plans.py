"""Plans: units found as the plan writes them, progress counted through the unit mapping (fakes, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from ocop_cli.demo import PLAN_KH180
from ocop_registry.app import plans, reports
from ocop_registry.app.inputs import PlanIn, ProducerIn
from ocop_registry.app.plan_import import targets_from_file
from ocop_registry.app.producers import new_producer
from ocop_registry.domain.certificate import Certificate, CertificateKind, valid_until
from ocop_registry.domain.plan import INDICATORS, advanced
from ocop_registry.domain.product import Product, QualityCertification
from ocop_shared.auth import Principal
from ocop_shared.errors import AppError
from tests.support.plans import seed_sheet

pytest_plugins = ("services.registry.tests.fakes",)  # the in-memory unit of work: fixture uow
OFFICIAL = Principal(subject="cb", role="official")
OFFICIAL_19 = Principal(subject="cb19", role="official", provinces=("19",))
OFFICIAL_24 = Principal(subject="cb24", role="official", provinces=("24",))


def _producer(uow: Any, tax: str, **address):
    p = new_producer(ProducerIn(name=f"Chủ thể {tax}", kind="household", tax_code=tax, **address))
    uow.producers.items[p.id] = p
    return p


def _product(uow: Any, producer, name: str, quality=()):
    product = Product(
        id=f"p-{name}",
        producer_id=producer.id,
        name=name,
        group="food",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        certifications=[QualityCertification(scheme=q) for q in quality],
    )
    uow.products.items[product.id] = product
    return product


def _certify(uow: Any, product, producer, issued: date, *, stars=3, kind=CertificateKind.issued, n=0):
    cert = Certificate(
        id=f"c-{product.id}-{n}",
        product_id=product.id,
        producer_id=producer.id,
        evaluation_id=f"e-{product.id}-{n}",
        stars=stars,
        decision_no=f"{n}/QĐ-UBND",
        issued_on=issued,
        valid_until=valid_until(issued),
        kind=kind,
        criteria_version="QD148-2023",
        level="province",
        group="food",
        province=producer.province,
        commune=producer.commune,
    )
    uow.certificates.items[cert.id] = cert
    return cert


async def _plan(uow: Any) -> str:
    return (await plans.create_plan(PlanIn(**PLAN_KH180), OFFICIAL, uow, INDICATORS)).id


def _cell(result: dict, name: str, indicator: str) -> dict:
    row = next(r for r in result["rows"] if r["name"] == name or r["written"] == name)
    return row["cells"][indicator]


async def test_the_seed_plan_is_found_in_the_old_units(uow: Any) -> None:
    plan = await plans.get_plan(await _plan(uow), OFFICIAL, uow)
    assert plan.province == {"code": "19", "name": "Thái Nguyên"}
    units = [(t.unit.written, t.unit.scheme, t.unit.level, t.unit.code) for t in plan.targets]
    assert units[1] == ("Huyện Chợ Đồn", "legacy", "district", "064")
    assert units[-1] == ("Toàn tỉnh", "legacy", "province", "06")
    assert plan.targets[6].values["producers_consolidated"] is None  # Ngân Sơn: blank in the seed
    assert (
        sum(t.values["advanced_quality"] or 0 for t in plan.targets[:-1]) == plan.targets[-1].values["advanced_quality"]
    )


async def test_a_certificate_in_xa_cho_don_moves_the_old_huyen_cho_don(uow: Any) -> None:
    plan_id = await _plan(uow)
    today_unit = _producer(uow, "4700301122", province={"code": "19"}, commune={"name": "Xã Chợ Đồn"})
    product = _product(uow, today_unit, "Chè Shan tuyết")
    before = await plans.plan_progress(plan_id, None, OFFICIAL, uow)
    assert _cell(before, "Huyện Chợ Đồn", "new_3star")["actual"] == 0
    _certify(uow, product, today_unit, date(2024, 5, 10))
    after = await plans.plan_progress(plan_id, None, OFFICIAL, uow)
    cell = _cell(after, "Huyện Chợ Đồn", "new_3star")
    assert (cell["target"], cell["actual"], cell["percent"]) == (3, 1, 33.3)
    assert cell["products"] == [{"id": product.id, "name": "Chè Shan tuyết", "producer": "Chủ thể 4700301122"}]
    assert _cell(after, "Toàn tỉnh", "new_3star")["actual"] == 1
    assert _cell(after, "Huyện Ba Bể", "new_3star")["actual"] == 0
    assert after["quarters"] == [0, 1, 0, 0]
    assert _cell(await plans.plan_progress(plan_id, 2025, OFFICIAL, uow), "Huyện Chợ Đồn", "new_3star")["actual"] == 0


async def test_old_addresses_count_where_recorded_and_split_origins_only_in_the_total(uow: Any) -> None:
    plan_id = await _plan(uow)
    sang_ha = _producer(
        uow,
        "4700271835",
        province={"code": "06", "name": "Bắc Kạn"},
        district="Huyện Ngân Sơn",
        commune="Xã Thượng Quan",
    )
    bac_ha = _producer(uow, "4700290345", province={"code": "19"}, commune={"name": "Xã Bạch Thông"})  # 063 + 064
    lục_ngạn = _producer(uow, "2400812345", province={"code": "24"}, commune={"name": "Phường Phượng Sơn"})
    for i, (producer, quality) in enumerate(((sang_ha, ["VietGAP"]), (bac_ha, ["ISO 22000"]), (lục_ngạn, ["HACCP"]))):
        _certify(uow, _product(uow, producer, f"SP{i}", quality), producer, date(2024, 8, 1), n=i)
    result = await plans.plan_progress(plan_id, None, OFFICIAL, uow)
    assert _cell(result, "Huyện Ngân Sơn", "advanced_quality")["actual"] == 1
    assert _cell(result, "Huyện Bạch Thông", "advanced_quality")["actual"] == 0
    assert _cell(result, "Chưa xác định huyện cũ", "advanced_quality")["actual"] == 1
    assert _cell(result, "Toàn tỉnh", "advanced_quality")["actual"] == 2  # not Bắc Ninh's product
    assert _cell(result, "Toàn tỉnh", "new_producers")["actual"] == 2


async def test_producer_indicators_count_each_producer_once(uow: Any) -> None:
    plan_id = await _plan(uow)
    p = _producer(uow, "4700320457", province={"code": "19"}, commune={"name": "Phường Đức Xuân"})
    p = p.with_changes({"linkages": [{"partner": "Siêu thị Bắc Kạn", "evidence": "HĐ 12/2024/HĐLK"}]}, p.registered_at)
    uow.producers.items[p.id] = p
    for i in range(2):
        product = _product(uow, p, f"Mơ {i}")
        _certify(uow, product, p, date(2021, 1, 5), n=i)
        _certify(uow, product, p, date(2024, 1, 5), kind=CertificateKind.renewed, n=10 + i)
    result = await plans.plan_progress(plan_id, None, OFFICIAL, uow)
    for ind in ("producers_consolidated", "linked"):
        cell = _cell(result, "Thành phố Bắc Kạn", ind)
        assert cell["actual"] == 1 and len(cell["products"]) == 2
    assert _cell(result, "Thành phố Bắc Kạn", "new_producers")["actual"] == 0  # first certificate in 2021


async def test_the_plan_agrees_with_the_kpi_reports(uow: Any) -> None:
    body = PlanIn(
        **{
            **PLAN_KH180,
            "province": "19",
            "unit_scheme": "current",
            "targets": [{"unit": "Xã Chợ Đồn", "values": {}}],
        }
    )
    plan = await plans.create_plan(body, OFFICIAL_19, uow, INDICATORS)
    for i, (tax, commune) in enumerate((("4700301122", "Xã Chợ Đồn"), ("4700312288", "Xã Ba Bể"))):
        p = _producer(uow, tax, province={"code": "19"}, commune={"name": commune})
        product = _product(uow, p, f"SP{i}")
        _certify(uow, product, p, date(2024, 3 + i, 1), n=i)
        await uow.traced.record_run(product.id, p.id, datetime(2024, 6, 1, tzinfo=UTC), 100)
    other = _producer(uow, "2400812345", province={"code": "24"}, commune={"name": "Phường Phượng Sơn"})
    _certify(uow, _product(uow, other, "Vải"), other, date(2024, 6, 1), n=9)
    result = await plans.plan_progress(plan.id, None, OFFICIAL_19, uow)
    per_year = await reports.new_certifications(OFFICIAL_19, uow)
    traced = await reports.traceability(OFFICIAL_19, uow)
    issued = sum(r["issued"] for r in per_year["rows"] if r["year"] == 2024)
    assert _cell(result, "Toàn tỉnh", "new_3star")["actual"] == issued == 2
    assert _cell(result, "Toàn tỉnh", "traced")["actual"] == sum(r["traced"] for r in traced["rows"]) == 2
    assert _cell(result, "Xã Chợ Đồn", "new_3star")["actual"] == 1


async def test_officials_see_only_their_provinces_plans(uow: Any) -> None:
    plan_id = await _plan(uow)
    assert [p.id for p in await plans.list_plans(OFFICIAL_19, uow)] == [plan_id]
    assert await plans.list_plans(OFFICIAL_24, uow) == []
    with pytest.raises(AppError) as err:
        await plans.plan_progress(plan_id, None, OFFICIAL_24, uow)
    assert err.value.status == 404
    with pytest.raises(AppError) as err:
        await plans.create_plan(PlanIn(**PLAN_KH180), OFFICIAL_24, uow, INDICATORS)
    assert err.value.status == 403


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"targets": [{"unit": "Huyện Chợ Đồng Xa", "values": {"new_3star": 1}}]}, "unknown_admin_unit"),
        ({"indicators": ["new_3star", "bogus"]}, "unknown_indicator"),
        (
            {"targets": [{"unit": "Huyện Ba Bể", "values": {"traced": 1}}], "indicators": ["new_3star"]},
            "unknown_indicator",
        ),
        ({"province": "Bắc Bạn"}, "unknown_admin_unit"),
        ({"targets": [{"unit": "Huyện Ba Bể", "values": {}}, {"unit": "huyện Ba Bể", "values": {}}]}, "duplicate_unit"),
    ],
)
async def test_bad_plans_are_refused_with_a_reason(uow: Any, change: dict, code: str) -> None:
    with pytest.raises(AppError) as err:
        await plans.create_plan(PlanIn(**{**PLAN_KH180, **change}), OFFICIAL, uow, INDICATORS)
    assert err.value.code == code and err.value.status == 422


def test_advanced_quality_schemes() -> None:
    assert advanced(["other", "ISO 22000"]) and advanced(["VietGAP"]) and advanced(["organic"])
    assert not advanced(["other"]) and not advanced([])


async def test_the_pdf_report_renders_and_reads_back(uow: Any) -> None:
    """The report to the People's Committee, rasterised at 100 dpi (pdfium): pages, its Vietnamese text and
    the actual bars' ink (blue/green) are there."""
    import io

    import pypdfium2 as pdfium

    from ocop_registry.adapters.plan_pdf import progress_pdf

    plan_id = await _plan(uow)
    p = _producer(uow, "4700301122", province={"code": "19"}, commune={"name": "Xã Chợ Đồn"})
    _certify(uow, _product(uow, p, "Chè Shan tuyết", ["VietGAP"]), p, date(2024, 5, 10))
    result = await plans.plan_progress(plan_id, None, OFFICIAL, uow)
    pdf = pdfium.PdfDocument(
        io.BytesIO(progress_pdf(result, office="Sở Nông nghiệp và Môi trường", today=date(2024, 9, 30)))
    )
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for expected in (
        "BÁO CÁO",
        "Kế hoạch số 180/KH-UBND",
        "Huyện Chợ Đồn",
        "Kính gửi: Ủy ban nhân dân tỉnh Thái Nguyên",
        "ngày 30 tháng 09 năm 2024",
        "Sản phẩm mới đạt 3 sao trở lên",
        "Độc lập – Tự do – Hạnh phúc",
    ):
        assert expected in text, expected
    image = pdf[0].render(scale=100 / 72).to_pil().convert("RGB")
    assert image.width > image.height  # A4 landscape
    pixels = list(image.get_flattened_data())
    ink = sum(1 for r, g, b in pixels if r < 250 or g < 250 or b < 250)
    assert ink > len(pixels) * 0.01
    pages = [pdf[i].render(scale=100 / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    blue = sum(1 for im in pages for r, g, b in im.get_flattened_data() if (r, g, b) == (0x15, 0x65, 0xC0))
    assert blue > 0  # the actual bars are drawn


def test_the_seed_tables_read_from_a_spreadsheet_are_the_plan_as_written() -> None:
    found = targets_from_file("kh180.xlsx", seed_sheet())
    assert found["indicators"] == PLAN_KH180["indicators"]
    assert found["targets"] == PLAN_KH180["targets"]
    assert found["ignored_columns"] == ["STT"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"STT,Ten\n1,Cho Don\n", "no_plan_table"),
        ("Đơn vị,Sản phẩm mới đạt 3 sao trở lên\nHuyện Chợ Đồn,ba\n".encode(), "invalid_target"),
        ("Đơn vị,Sản phẩm mới đạt 3 sao trở lên\nHuyện Chợ Đồn,-1\n".encode(), "invalid_target"),
    ],
)
def test_a_bad_sheet_is_refused_with_a_reason(content: bytes, code: str) -> None:
    with pytest.raises(AppError) as err:
        targets_from_file("kh.csv", content)
    assert err.value.code == code and err.value.status == 422
