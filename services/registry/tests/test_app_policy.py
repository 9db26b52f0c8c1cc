"""Who may do what (app/policy.py) as the use cases apply it, on the in-memory unit of work.

A producer sees only its own records and changes none; an official scoped to provinces sees and changes only
the records of producers there (others' records answer 404, a change outside the provinces 403); operators and
unscoped officials reach everything.
"""

from __future__ import annotations

from datetime import date

import pytest

from ocop_registry.app import policy
from ocop_registry.app.certificates import get_certificate, issue_certificate, list_certificates
from ocop_registry.app.commands import (
    CreateUser,
    IssueCertificate,
    ListCertificates,
    ListProducts,
    RecordEvaluation,
    SearchProducts,
    UpdateProduct,
)
from ocop_registry.app.evaluations import record_evaluation
from ocop_registry.app.inputs import DecisionIn, EvaluationIn, ProductPatch, UserIn
from ocop_registry.app.product_views import product_view, search_products
from ocop_registry.app.products import list_products, update_product
from ocop_registry.app.reports import products_by_stars
from ocop_registry.app.users import create_user
from ocop_registry.domain.errors import ForbiddenRole, OutOfScope, ProducerNotFound, ProductNotFound
from ocop_shared.auth import Principal
from ocop_shared.errors import Forbidden, NotFound

pytest_plugins = ("services.registry.tests.fakes",)  # the in-memory unit of work: fixtures uow, seed
NATIONAL = Principal(subject="canbo", role="official")
THAI_NGUYEN = Principal(subject="canbo.tn", role="official", provinces=("19",))
BAC_NINH = Principal(subject="canbo.bn", role="official", provinces=("24",))
OPERATOR = Principal(subject="ops", role="operator")


def owner(producer_id: str) -> Principal:
    return Principal(subject=f"user-{producer_id}", role="producer", producer_id=producer_id)


@pytest.fixture
async def world(seed, uow):
    """Two producers of Thái Nguyên (19) and one of Bắc Ninh (24), a product each, certified."""
    for producer_id, province in (("tn-a", "19"), ("tn-b", "19"), ("bn-c", "24")):
        seed.producer(producer_id, province)
        seed.product(f"p-{producer_id}", producer_id)
        seed.evaluation(f"ev-{producer_id}", f"p-{producer_id}", 75)
        cmd = IssueCertificate(f"ev-{producer_id}", DecisionIn(decision_no="1/QĐ-UBND", issued_on=date(2026, 11, 1)))
        await issue_certificate(cmd, NATIONAL, uow, councils=seed.councils)
    return uow


def certificate_of(uow, product_id: str) -> str:
    return uow.products.items[product_id].current_certificate_id


@pytest.mark.parametrize(
    "principal, visible",
    [
        (owner("tn-a"), {"p-tn-a"}),
        (owner("bn-c"), {"p-bn-c"}),
        (THAI_NGUYEN, {"p-tn-a", "p-tn-b"}),
        (BAC_NINH, {"p-bn-c"}),
        (NATIONAL, {"p-tn-a", "p-tn-b", "p-bn-c"}),
        (OPERATOR, {"p-tn-a", "p-tn-b", "p-bn-c"}),
    ],
)
async def test_each_caller_sees_exactly_its_products_and_certificates(world, principal, visible):
    assert {p.id for p in await list_products(ListProducts(), principal, world)} == visible
    assert {r.product.id for r in (await search_products(SearchProducts(), principal, world)).rows} == visible
    certificates = await list_certificates(ListCertificates(date(2026, 11, 2)), principal, world)
    assert {c.product_id for c in certificates} == visible
    for product_id in ("p-tn-a", "p-tn-b", "p-bn-c"):
        certificate_id = certificate_of(world, product_id)
        if product_id in visible:
            assert (await product_view(product_id, principal, world)).product.id == product_id
            assert (await get_certificate(certificate_id, principal, world)).id == certificate_id
            continue
        with pytest.raises(ProductNotFound):  # 404: another producer's ids stay unknown
            await product_view(product_id, principal, world)
        with pytest.raises(ProducerNotFound):
            await get_certificate(certificate_id, principal, world)


async def test_a_producer_asking_for_others_by_filter_still_gets_only_its_own(world):
    found = await list_products(ListProducts(producer_id="tn-b"), owner("tn-a"), world)
    assert {p.id for p in found} == {"p-tn-a"}


async def test_a_producer_changes_none_of_its_records(world, seed):
    patch = UpdateProduct("p-tn-a", ProductPatch(price_vnd=1))
    with pytest.raises(ForbiddenRole) as own:
        await update_product(patch, owner("tn-a"), world)
    assert own.value.status == 403
    with pytest.raises(ProductNotFound):  # another producer's product is not even there
        await update_product(UpdateProduct("p-tn-b", ProductPatch(price_vnd=1)), owner("tn-a"), world)
    assert world.products.items["p-tn-a"].price_vnd == 250000


async def test_a_scoped_official_changes_only_records_of_its_provinces(world, seed):
    scores = EvaluationIn(level="province", scores={"A": 30, "B": 15, "C": 20}, evaluated_on=date(2026, 12, 1))
    evaluation = await record_evaluation(RecordEvaluation("p-tn-a", scores), THAI_NGUYEN, world, councils=seed.councils)
    assert evaluation.recorded_by == "canbo.tn"
    with pytest.raises(OutOfScope) as outside:
        await record_evaluation(RecordEvaluation("p-bn-c", scores), THAI_NGUYEN, world, councils=seed.councils)
    assert outside.value.status == 403
    updated = await update_product(UpdateProduct("p-bn-c", ProductPatch(price_vnd=90000)), BAC_NINH, world)
    assert updated.price_vnd == 90000
    with pytest.raises(OutOfScope):
        await update_product(UpdateProduct("p-bn-c", ProductPatch(price_vnd=1)), THAI_NGUYEN, world)
    assert world.products.items["p-bn-c"].price_vnd == 90000


async def test_reports_cover_the_officials_provinces_and_are_closed_to_producers(world):
    def total(report):
        return sum(row["total"] for row in report["rows"])

    assert (
        total(await products_by_stars(NATIONAL, world)),
        total(await products_by_stars(THAI_NGUYEN, world)),
        total(await products_by_stars(BAC_NINH, world)),
    ) == (3, 2, 1)
    with pytest.raises(ForbiddenRole):
        await products_by_stars(owner("tn-a"), world)


async def test_accounts_officials_create_only_producer_accounts_in_their_provinces(world):
    def account(role: str, producer_id: str | None = None) -> CreateUser:
        return CreateUser(
            UserIn(username=f"u-{role}-{producer_id}", password="mat-khau-dai-du", role=role, producer_id=producer_id)
        )

    with pytest.raises(ForbiddenRole):
        await create_user(account("operator"), THAI_NGUYEN, world)
    with pytest.raises(OutOfScope):
        await create_user(account("producer", "bn-c"), THAI_NGUYEN, world)
    with pytest.raises(ForbiddenRole):
        await create_user(account("producer", "tn-a"), owner("tn-a"), world)
    assert not world.users.items


def test_policy_answers_404_for_what_the_caller_may_not_see_and_403_for_what_it_may_not_change(seed):
    tn, bn = seed.producer("tn", "19"), seed.producer("bn", "24")
    assert policy.readable(THAI_NGUYEN, tn) is tn and policy.writable(THAI_NGUYEN, tn) is tn
    assert policy.readable(owner("tn"), tn) is tn
    for caller, producer, check, error in (
        (THAI_NGUYEN, bn, policy.readable, NotFound),
        (THAI_NGUYEN, bn, policy.writable, Forbidden),
        (owner("tn"), bn, policy.readable, NotFound),
        (owner("tn"), bn, policy.writable, NotFound),
        (owner("tn"), tn, policy.writable, Forbidden),
        (NATIONAL, None, policy.readable, NotFound),
    ):
        with pytest.raises(error):
            check(caller, producer)
    with pytest.raises(OutOfScope):
        policy.may_register_in(THAI_NGUYEN, "24")
    policy.may_register_in(THAI_NGUYEN, "19")
    policy.may_register_in(NATIONAL, "24")
