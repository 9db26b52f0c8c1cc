"""The certificate lifecycle through the use cases of app/, on the in-memory unit of work (no servers).

Issue, renew, upgrade, revoke and expire: what is stored, and the one event each transition commits with the
product's next version; and every refusal (below 3★, above the council's cap, already certified, not an
upgrade, an evaluation of another product, an evaluation used twice) changes nothing and commits no event.
"""

from __future__ import annotations

from datetime import date

import pytest

from ocop_registry.app.certificates import (
    issue_certificate,
    renew_certificate,
    revoke_certificate,
    upgrade_certificate,
)
from ocop_registry.app.commands import (
    ExpireCertificates,
    IssueCertificate,
    RenewCertificate,
    RevokeCertificate,
    UpgradeCertificate,
)
from ocop_registry.app.expiry import expire_certificates
from ocop_registry.app.inputs import DecisionIn, ReplaceIn, RevokeIn
from ocop_registry.app.policy import SYSTEM
from ocop_registry.domain import errors
from ocop_registry.domain.certificate import CertificateKind, CertificateStatus
from ocop_shared.auth import Principal
from ocop_shared.errors import Conflict
from ocop_shared.events import models as events

pytest_plugins = ("services.registry.tests.fakes",)  # the in-memory unit of work: fixtures uow, seed
OFFICIAL = Principal(subject="canbo", role="official", provinces=("19",))


@pytest.fixture
def tea(seed):
    """A producer of Thái Nguyên with one product (no certificate yet)."""
    seed.producer("htx-khuoi-ha")
    return seed.product("che-shan", "htx-khuoi-ha")


async def issue(uow, seed, evaluation_id: str, issued_on: date = date(2026, 11, 1), decision_no: str = "1611/QĐ-UBND"):
    cmd = IssueCertificate(evaluation_id, DecisionIn(decision_no=decision_no, issued_on=issued_on))
    return await issue_certificate(cmd, OFFICIAL, uow, councils=seed.councils)


def replacement(evaluation_id: str, decision_no: str = "200/QĐ-UBND") -> ReplaceIn:
    return ReplaceIn(evaluation_id=evaluation_id, decision_no=decision_no, issued_on=date(2026, 11, 10))


async def test_issue_stores_the_certificate_and_commits_its_event(uow, seed, tea):
    seed.evaluation("ev-4", tea.id, 75)
    certificate = await issue(uow, seed, "ev-4")
    assert (certificate.stars, certificate.status, certificate.kind) == (
        4,
        CertificateStatus.active,
        CertificateKind.issued,
    )
    assert certificate.valid_until == date(2029, 11, 1) and certificate.decision_no == "1611/QĐ-UBND"
    assert certificate.province == {"code": "19", "name": "Thái Nguyên"} and certificate.group == "beverage"
    assert uow.certificates.items[certificate.id] == certificate
    assert uow.evaluations.items["ev-4"].certificate_id == certificate.id
    stored = uow.products.items[tea.id]
    assert stored.current_certificate_id == certificate.id and stored.version == tea.version + 1
    [(event, key, subject)] = uow.published
    assert isinstance(event, events.CertificateIssued) and (key, subject) == (tea.id, certificate.id)
    assert event.version == stored.version and event.certificate.stars == 4
    assert event.product.name == tea.name and event.product.producer_public_name == "HTX htx-khuoi-ha"


async def test_renew_supersedes_the_old_certificate_and_stars_may_go_down(uow, seed, tea):
    seed.evaluation("ev-4", tea.id, 75)
    seed.evaluation("ev-3", tea.id, 62)
    old = await issue(uow, seed, "ev-4")
    new = await renew_certificate(RenewCertificate(old.id, replacement("ev-3")), OFFICIAL, uow, councils=seed.councils)
    assert (new.stars, new.kind, new.previous_certificate_id) == (3, CertificateKind.renewed, old.id)
    superseded = uow.certificates.items[old.id]
    assert superseded.status is CertificateStatus.superseded and superseded.superseded_by == new.id
    assert uow.products.items[tea.id].current_certificate_id == new.id
    [renewed] = uow.payloads(events.CertificateRenewed)
    assert renewed.previous_certificate_id == old.id and renewed.certificate.certificate_id == new.id
    assert renewed.version == uow.payloads(events.CertificateIssued)[0].version + 1


async def test_upgrade_needs_more_stars_and_carries_the_previous_ones(uow, seed, tea):
    seed.evaluation("ev-3", tea.id, 62)
    seed.evaluation("ev-3b", tea.id, 65)
    seed.evaluation("ev-4", tea.id, 80)
    old = await issue(uow, seed, "ev-3")
    with pytest.raises(errors.NotAnUpgrade):
        await upgrade_certificate(
            UpgradeCertificate(old.id, replacement("ev-3b")), OFFICIAL, uow, councils=seed.councils
        )
    new = await upgrade_certificate(
        UpgradeCertificate(old.id, replacement("ev-4")), OFFICIAL, uow, councils=seed.councils
    )
    assert (new.stars, new.kind) == (4, CertificateKind.upgraded)
    [upgraded] = uow.payloads(events.CertificateUpgraded)
    assert (upgraded.previous_stars, upgraded.previous_certificate_id, upgraded.certificate.stars) == (3, old.id, 4)
    assert uow.evaluations.items["ev-3b"].certificate_id is None  # the refused upgrade used nothing


async def test_revoke_leaves_the_product_without_a_certificate_and_only_once(uow, seed, tea):
    seed.evaluation("ev-4", tea.id, 75)
    certificate = await issue(uow, seed, "ev-4")
    revocation = RevokeIn(reason="Vi phạm an toàn thực phẩm", decision_no="300/QĐ-UBND")
    revoked = await revoke_certificate(RevokeCertificate(certificate.id, revocation), OFFICIAL, uow)
    assert revoked.status is CertificateStatus.revoked and revoked.revocation.reason == "Vi phạm an toàn thực phẩm"
    assert uow.products.items[tea.id].current_certificate_id is None
    [event] = uow.payloads(events.CertificateRevoked)
    assert (event.reason, event.decision_no, event.certificate.status) == (
        "Vi phạm an toàn thực phẩm",
        "300/QĐ-UBND",
        "revoked",
    )
    with pytest.raises(Conflict) as again:
        await revoke_certificate(RevokeCertificate(certificate.id, revocation), OFFICIAL, uow)
    assert again.value.code == "certificate_not_active" and len(uow.payloads(events.CertificateRevoked)) == 1


async def test_expiry_job_expires_only_what_is_due(uow, seed, tea):
    seed.producer("htx-na-ri")
    seed.product("mien-dong", "htx-na-ri")
    seed.evaluation("ev-old", tea.id, 62)
    seed.evaluation("ev-new", "mien-dong", 62)
    due = await issue(uow, seed, "ev-old", issued_on=date(2022, 6, 1))  # valid until 2025-06-01
    current = await issue(uow, seed, "ev-new", issued_on=date(2025, 1, 1))
    assert await expire_certificates(ExpireCertificates(date(2025, 6, 1)), SYSTEM, lambda: uow) == []  # last day
    assert await expire_certificates(ExpireCertificates(date(2025, 6, 2)), SYSTEM, lambda: uow) == [due.id]
    assert uow.certificates.items[due.id].status is CertificateStatus.expired
    assert uow.certificates.items[current.id].status is CertificateStatus.active
    assert uow.products.items[tea.id].current_certificate_id is None
    [expired] = uow.payloads(events.CertificateExpired)
    assert expired.certificate.certificate_id == due.id and expired.certificate.status == "expired"
    assert await expire_certificates(ExpireCertificates(date(2025, 6, 3)), SYSTEM, lambda: uow) == []  # done once


async def test_an_evaluation_below_three_stars_is_not_recognised(uow, seed, tea):
    seed.evaluation("ev-2", tea.id, 40)
    with pytest.raises(errors.NotRecognised) as refused:
        await issue(uow, seed, "ev-2")
    assert refused.value.status == 422 and "2★" in refused.value.message
    assert not uow.certificates.items and not uow.published and uow.products.items[tea.id].version == tea.version


@pytest.mark.parametrize(
    "level, total, allowed",
    [("commune", 72, False), ("province", 72, True), ("province", 92, False), ("central", 92, True)],
)
async def test_a_council_awards_at_most_the_stars_of_its_level(uow, seed, tea, level, total, allowed):
    seed.evaluation("ev", tea.id, total, level=level)
    if allowed:
        assert (await issue(uow, seed, "ev")).level == level
        return
    with pytest.raises(errors.LevelCannotAward) as refused:
        await issue(uow, seed, "ev")
    assert f"tối đa {seed.councils.max_stars[level]}★" in refused.value.message
    assert not uow.certificates.items and not uow.published


async def test_one_active_certificate_per_product_and_one_certificate_per_evaluation(uow, seed, tea):
    seed.evaluation("ev-4", tea.id, 75)
    seed.evaluation("ev-3", tea.id, 62)
    first = await issue(uow, seed, "ev-4")
    with pytest.raises(errors.EvaluationUsed):
        await issue(uow, seed, "ev-4")
    with pytest.raises(errors.AlreadyCertified) as refused:
        await issue(uow, seed, "ev-3")
    assert refused.value.status == 409
    assert list(uow.certificates.items) == [first.id] and len(uow.published) == 1
    with pytest.raises(errors.EvaluationUsed):  # a used evaluation cannot renew either
        await renew_certificate(RenewCertificate(first.id, replacement("ev-4")), OFFICIAL, uow, councils=seed.councils)


async def test_a_replacement_needs_an_evaluation_of_the_same_product(uow, seed, tea):
    seed.product("mo-vang", "htx-khuoi-ha")
    seed.evaluation("ev-4", tea.id, 75)
    seed.evaluation("ev-other", "mo-vang", 75)
    certificate = await issue(uow, seed, "ev-4")
    with pytest.raises(errors.EvaluationOfOtherProduct):
        await renew_certificate(
            RenewCertificate(certificate.id, replacement("ev-other")), OFFICIAL, uow, councils=seed.councils
        )
    assert uow.certificates.items[certificate.id].status is CertificateStatus.active
    assert uow.evaluations.items["ev-other"].certificate_id is None and len(uow.published) == 1


async def test_an_unknown_evaluation_is_not_found(uow, seed, tea):
    with pytest.raises(errors.EvaluationNotFound) as missing:
        await issue(uow, seed, "no-such-evaluation")
    assert missing.value.status == 404


async def test_a_refusal_after_changes_rolls_them_back(uow, seed, tea):
    """The fake aborts like the transaction: a change made before a refusal does not stay (the domain
    refuses before changing anything; this keeps the fake honest about it)."""
    seed.evaluation("ev-4", tea.id, 75)
    async with uow:
        product = await uow.products.get(tea.id)
        await uow.products.save(product.model_copy(update={"name": "Đổi tên"}))
    assert uow.products.items[tea.id].name == tea.name and uow.commits == 0
