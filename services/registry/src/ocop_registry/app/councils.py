"""Use cases of councils (hội đồng đánh giá, phân hạng): form one, add dossiers, a member scores a dossier or
declares a conflict, the chair closes (each dossier's result is the members' average and becomes an
evaluation of its product); and what a caller may see of a council.

Nobody sees another member's scores while the council is open — not the chair, not an official: a member
sees their own sheets, everyone else only how many sheets each dossier has. Once closed, every sheet is shown
to the council's members and the officials of its province.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bson import ObjectId

from ocop_registry.app import dossier_policy as access
from ocop_registry.app.dossier_commands import AddToCouncil, CloseCouncil, CreateCouncil, DeclareConflict, SubmitScore
from ocop_registry.app.policy import STAFF
from ocop_registry.app.ports import CouncilQuery, DossierQuery, UnitOfWork
from ocop_registry.domain.certification import Councils
from ocop_registry.domain.council import (
    Council,
    CouncilStatus,
    InvalidCouncil,
    Member,
    MemberScore,
    ScoreAlreadySubmitted,
    score_id,
)
from ocop_registry.domain.criteria import CriteriaBook
from ocop_registry.domain.dossier import Dossier, DossierNotFound, DossierWrongStatus, Result
from ocop_registry.domain.scoring import Evaluation
from ocop_registry.domain.user import normalize_username
from ocop_shared.admin_units import UnknownUnit
from ocop_shared.admin_units.current import province as current_province
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow


def _province(code: str) -> dict[str, str]:
    """Today's province of a GSO code, as producers' records hold it ({code, name})."""
    unit = current_province(code.strip())
    if unit is None:
        raise UnknownUnit(message=f"Không tìm thấy tỉnh/thành phố mã '{code[:10]}' trong danh mục hiện hành")
    return {"code": unit.code, "name": unit.name}


async def create_council(
    cmd: CreateCouncil, principal: Principal, uow: UnitOfWork, *, councils: Councils, min_members: int
) -> Council:
    given = cmd.council
    councils.require_level(given.level)
    province = _province(given.province) if given.province else None
    if province is None and given.level != "central":
        raise InvalidCouncil("Hội đồng cấp xã, cấp tỉnh cần có tỉnh/thành phố")
    access.may_manage(principal, (province or {}).get("code"))
    members = []
    for m in given.members:
        username = normalize_username(m.username)
        user = await uow.users.get(username)
        if user is None or user.disabled == "yes":
            raise InvalidCouncil(f"Không có tài khoản '{username}'")
        members.append(
            Member(
                username=user.id,
                display_name=user.display_name or user.id,
                role=m.role,
                account_role=user.role,
                affiliation=user.producer_id,
                conflicts=list(dict.fromkeys(m.conflicts)),
            )
        )
    council = Council(
        id=str(ObjectId()),
        name=" ".join(given.name.split()),
        level=given.level,
        province=province,
        meeting_on=given.meeting_on,
        members=members,
        created_by=principal.subject,
        created_at=utcnow(),
    )
    council.check_composition(min_members)
    async with uow.acting(principal, "council.create"):
        for dossier_id in dict.fromkeys(given.dossier_ids):
            dossier = await _dossier_for(principal, uow, dossier_id)
            council.add_dossier(dossier)
            await uow.dossiers.save(dossier)
        await uow.councils.add(council)
        await uow.commit()
    return council


async def _dossier_for(principal: Principal, uow: UnitOfWork, dossier_id: str) -> Dossier:
    """A dossier the official may put before a council (one of their provinces')."""
    dossier = await uow.dossiers.get(dossier_id)
    if dossier is None or not principal.reaches(dossier.producer_id, dossier.province_code):
        raise DossierNotFound()
    if dossier.council_id:
        raise DossierWrongStatus("Hồ sơ đã được đưa vào một hội đồng")
    return dossier


async def add_to_council(cmd: AddToCouncil, principal: Principal, uow: UnitOfWork) -> Council:
    async with uow.acting(principal, "council.add_dossier", council=cmd.council_id):
        council = await access.managed_council(principal, uow, cmd.council_id)
        dossier = await _dossier_for(principal, uow, cmd.dossier.dossier_id)
        council.add_dossier(dossier)
        council.version += 1
        await uow.dossiers.save(dossier)
        await uow.councils.save(council)
        await uow.commit()
    return council


async def submit_score(
    cmd: SubmitScore, principal: Principal, uow: UnitOfWork, *, criteria: CriteriaBook
) -> MemberScore:
    """A member's score sheet for one dossier, checked against the dossier's criteria sheet; final."""
    given = cmd.score
    async with uow:
        council, _member = await access.member_of(principal, uow, cmd.council_id)
        dossier = await uow.dossiers.get(given.dossier_id)
        if dossier is None or dossier.id not in council.dossier_ids:
            raise DossierNotFound("Hồ sơ không thuộc hội đồng này")
        council.require_may_score(principal.subject, dossier)
        sid = score_id(council.id, dossier.id, principal.subject)
        if await uow.scores.get(sid) is not None:
            raise ScoreAlreadySubmitted()
        sheet = criteria.sheet(dossier.criteria_version, dossier.form.group.value)
        checked = sheet.check(given.scores)
        score = MemberScore(
            id=sid,
            council_id=council.id,
            dossier_id=dossier.id,
            member=principal.subject,
            sheet=sheet.key,
            parts=checked.parts,
            indicators=checked.indicators,
            total=checked.total,
            submitted_at=utcnow(),
        )
        await uow.scores.add(score)  # a second sheet breaks the unique id: 409 too
        await uow.commit()
    return score


async def declare_conflict(cmd: DeclareConflict, principal: Principal, uow: UnitOfWork) -> Council:
    async with uow.acting(principal, "council.declare_conflict", council=cmd.council_id):
        council, _member = await access.member_of(principal, uow, cmd.council_id)
        dossier = await uow.dossiers.get(cmd.conflict.dossier_id)
        if dossier is None or dossier.id not in council.dossier_ids:
            raise DossierNotFound("Hồ sơ không thuộc hội đồng này")
        scored = await uow.scores.get(score_id(council.id, dossier.id, principal.subject)) is not None
        council.recuse(principal.subject, dossier, " ".join(cmd.conflict.reason.split()), utcnow(), scored=scored)
        await uow.councils.save(council)
        await uow.commit()
    return council


async def close_council(cmd: CloseCouncil, principal: Principal, uow: UnitOfWork, *, min_scores: int) -> Council:
    """The chair ends the scoring: each dossier's average becomes an evaluation of its product (by this
    council's level, dated the day of closing) and the dossier is evaluated — all in one transaction."""
    async with uow.acting(principal, "council.close", council=cmd.council_id):
        council = await access.chair_of(principal, uow, cmd.council_id)
        dossiers = [d for d in [await uow.dossiers.get(i) for i in council.dossier_ids] if d is not None]
        scores: dict[str, list[MemberScore]] = defaultdict(list)
        for s in await uow.scores.of_council(council.id):
            scores[s.dossier_id].append(s)
        now = utcnow()
        averages = council.close(principal.subject, now, dossiers, scores, min_scores=min_scores)
        for dossier in dossiers:
            avg = averages[dossier.id]
            evaluation = Evaluation(
                id=str(ObjectId()),
                product_id=dossier.product_id,
                level=council.level,
                criteria_version=dossier.criteria_version,
                scores=avg.parts,
                total=avg.total,
                stars=avg.stars,
                evaluated_on=cmd.today,
                recorded_at=now,
                recorded_by=principal.subject,
            )
            await uow.evaluations.add(evaluation)
            result = Result(
                council_id=council.id,
                level=council.level,
                scores=avg.parts,
                indicators=avg.indicators,
                total=avg.total,
                stars=avg.stars,
                members=avg.members,
                evaluation_id=evaluation.id,
            )
            dossier.evaluate(result, principal.subject, now)
            await uow.dossiers.save(dossier)
        await uow.councils.save(council)
        await uow.commit()
    return council


# -- what a caller sees ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DossierRow:
    dossier: Dossier
    sheets: int  # how many members have scored it
    expected: int  # how many members may score it
    mine: MemberScore | None  # the caller's own sheet
    tie: str | None  # why the caller may not score it
    scores: list[MemberScore]  # every sheet: only once the council is closed


@dataclass(frozen=True)
class CouncilView:
    council: Council
    rows: list[DossierRow]
    is_member: bool
    is_chair: bool
    may_manage: bool

    @property
    def open(self) -> bool:
        return self.council.status is CouncilStatus.open


async def council_view(council_id: str, principal: Principal, uow: UnitOfWork) -> CouncilView:
    council = await access.readable_council(principal, uow, council_id)
    me = council.member(principal.subject)
    found = await uow.dossiers.select(DossierQuery(ids=tuple(council.dossier_ids))) if council.dossier_ids else []
    by_dossier: dict[str, list[MemberScore]] = defaultdict(list)
    for s in await uow.scores.of_council(council.id):
        by_dossier[s.dossier_id].append(s)
    shown = council.status is not CouncilStatus.open
    rows = [
        DossierRow(
            dossier=d,
            sheets=len(by_dossier[d.id]),
            expected=len(council.scorers(d)),
            mine=next((s for s in by_dossier[d.id] if s.member == principal.subject), None),
            tie=council.tie(me, d) if me else None,
            scores=sorted(by_dossier[d.id], key=lambda s: s.member) if shown else [],
        )
        for d in sorted(found, key=lambda d: d.form.product_name)
    ]
    is_chair = me is not None and me.username == council.chair.username
    return CouncilView(council, rows, me is not None, is_chair, access.manages(principal, council.province_code))


async def list_councils(principal: Principal, uow: UnitOfWork) -> list[Council]:
    """Staff: the councils of their provinces (all, unscoped); everyone: the councils they sit on."""
    access.require_council_reader(principal)
    mine = await uow.councils.select(CouncilQuery(member=principal.subject))
    if principal.role not in STAFF:
        return mine
    scoped = principal.scope.provinces
    found = {c.id: c for c in await uow.councils.select(CouncilQuery(provinces=scoped))}
    found |= {c.id: c for c in mine}
    return sorted(found.values(), key=lambda c: (c.meeting_on, c.id), reverse=True)


async def my_score(council_id: str, dossier_id: str, principal: Principal, uow: UnitOfWork) -> MemberScore | None:
    await access.member_of(principal, uow, council_id)
    return await uow.scores.get(score_id(council_id, dossier_id, principal.subject))
