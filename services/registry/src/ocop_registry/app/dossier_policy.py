"""Who may do what with dossiers and councils, on the scope rule of ``app/policy.py``.

- A producer prepares, submits and reads its own dossiers (others' ids answer 404); it never sees a council.
- Officials (and operators) act within their provinces: they may prepare a dossier for a producer there
  (help at the commune office), return or accept it, form councils of their province, add dossiers, record
  the decision. A central council (no province) is for unscoped officials.
- A council's members — officials or council-member accounts — read the dossiers of the councils they sit
  on and score them; only the chair closes. A council member reaches nothing else (their scope is empty).
"""

from __future__ import annotations

from ocop_registry.app import policy
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.domain.council import Council, CouncilNotFound, Member, NotAMember, NotTheChair
from ocop_registry.domain.dossier import Dossier, DossierNotFound
from ocop_registry.domain.errors import ForbiddenRole, OutOfScope
from ocop_shared.auth import Principal

PREPARERS = ("producer", "official", "operator")  # who may write a dossier's form and evidence
COUNCIL_READERS = ("official", "operator", "council_member")  # who may list councils


def _in_scope(principal: Principal, dossier: Dossier) -> bool:
    return principal.reaches(dossier.producer_id, dossier.province_code)


async def readable_dossier(principal: Principal, uow: UnitOfWork, dossier_id: str) -> Dossier:
    """The dossier if the caller may read it: its producer, staff of its province, members of its council."""
    dossier = await uow.dossiers.get(dossier_id)
    if dossier is None:
        raise DossierNotFound()
    if _in_scope(principal, dossier):
        return dossier
    if dossier.council_id:
        council = await uow.councils.get(dossier.council_id)
        if council is not None and council.member(principal.subject) is not None:
            return dossier
    raise DossierNotFound()


async def preparable_dossier(principal: Principal, uow: UnitOfWork, dossier_id: str) -> Dossier:
    """The dossier if the caller may change its form and evidence or submit it: its producer, or staff of its
    province (a council member who may read it gets 403)."""
    dossier = await readable_dossier(principal, uow, dossier_id)
    may_prepare(principal, dossier.producer_id, dossier.province_code)
    return dossier


def may_prepare(principal: Principal, producer_id: str, province_code: str | None) -> None:
    if principal.role not in PREPARERS or not principal.reaches(producer_id, province_code):
        raise ForbiddenRole("Chỉ chủ thể hoặc cán bộ phụ trách được soạn và nộp hồ sơ này")


async def reviewable_dossier(principal: Principal, uow: UnitOfWork, dossier_id: str) -> Dossier:
    """The dossier if the caller may return or accept it: staff of its province."""
    dossier = await readable_dossier(principal, uow, dossier_id)
    policy.require_staff(principal)
    if not principal.covers(dossier.province_code):
        raise OutOfScope()
    return dossier


def may_manage(principal: Principal, province_code: str | None) -> None:
    """Forming a council or recording its decision: staff covering its province (a central one: unscoped)."""
    policy.require_staff(principal)
    if not principal.covers(province_code):  # a central council (None): only unscoped staff
        raise OutOfScope("Cán bộ chỉ thao tác với hội đồng của tỉnh mình phụ trách")


def manages(principal: Principal, province_code: str | None) -> bool:
    return principal.role in policy.STAFF and principal.covers(province_code)


def sees_council(principal: Principal, council: Council) -> bool:
    if council.member(principal.subject) is not None:
        return True
    if principal.role not in policy.STAFF:
        return False
    return principal.covers(council.province_code)


async def readable_council(principal: Principal, uow: UnitOfWork, council_id: str) -> Council:
    council = await uow.councils.get(council_id)
    if council is None or not sees_council(principal, council):
        raise CouncilNotFound()
    return council


async def managed_council(principal: Principal, uow: UnitOfWork, council_id: str) -> Council:
    council = await readable_council(principal, uow, council_id)
    may_manage(principal, council.province_code)
    return council


async def member_of(principal: Principal, uow: UnitOfWork, council_id: str) -> tuple[Council, Member]:
    council = await readable_council(principal, uow, council_id)
    member = council.member(principal.subject)
    if member is None:
        raise NotAMember()
    return council, member


async def chair_of(principal: Principal, uow: UnitOfWork, council_id: str) -> Council:
    council, member = await member_of(principal, uow, council_id)
    if member.username != council.chair.username:
        raise NotTheChair()
    return council


def require_council_reader(principal: Principal) -> None:
    if principal.role not in COUNCIL_READERS:
        raise ForbiddenRole("Chủ thể không xem được hội đồng đánh giá")
