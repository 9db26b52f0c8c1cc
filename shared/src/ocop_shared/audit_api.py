"""Reading the audit trail, the same way in every service: ``GET /api/v1/audit`` (JSON, or Excel with
``?format=xlsx``) and the console page ``/console/audit``.

Officials read the entries about their provinces (an unscoped official and operators read all), producers
none. Filters: time range, action (``certificate.revoke``, or a prefix ``certificate``), actor, target id,
producer, province.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.audit import AUDIT
from ocop_shared.auth import Principal, require
from ocop_shared.errors import Forbidden
from ocop_shared.exports import XLSX, table_xlsx
from ocop_shared.openapi import returns

READERS = ("official", "operator")
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")


@dataclass(frozen=True)
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    actor: str | None = None
    target: str | None = None
    producer_id: str | None = None
    province: str | None = None
    limit: int = 100
    skip: int = 0


def match_of(query: AuditQuery, principal: Principal) -> dict[str, Any]:
    if principal.role not in READERS:
        raise Forbidden("forbidden_role", "Chỉ cán bộ và quản trị viên xem được nhật ký thao tác")
    match: dict[str, Any] = {}
    ts = {op: t.timestamp() for op, t in (("$gte", query.since), ("$lt", query.until)) if t}
    if ts:
        match["ts"] = ts
    if query.action:
        # "certificate" is every certificate.* action
        match["action"] = query.action if "." in query.action else {"$regex": f"^{re.escape(query.action)}\\."}
    if query.actor:
        match["actor.subject"] = query.actor
    # array fields are matched with $in (the embedded server does not match an array by one of its elements)
    if query.target:
        match["target_ids"] = {"$in": [query.target]}
    if query.producer_id:
        match["producer_ids"] = {"$in": [query.producer_id]}
    scope = principal.scope
    if scope.provinces:
        if query.province and query.province not in scope.provinces:
            raise Forbidden("out_of_scope", "Cán bộ chỉ xem nhật ký của tỉnh mình phụ trách")
        match["provinces"] = {"$in": [query.province] if query.province else list(scope.provinces)}
    elif query.province:
        match["provinces"] = {"$in": [query.province]}
    return match


async def read_audit(db: AsyncDatabase, query: AuditQuery, principal: Principal) -> list[dict[str, Any]]:
    """The entries, newest first."""
    cursor = db[AUDIT].find(match_of(query, principal)).sort("ts", -1).skip(query.skip).limit(query.limit)
    out = []
    for doc in await cursor.to_list():
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        for internal in ("ts", "target_ids"):
            doc.pop(internal, None)
        out.append(doc)
    return out


COLUMNS = [
    ("at", "Thời điểm (UTC)"),
    ("service", "Dịch vụ"),
    ("action", "Thao tác"),
    ("actor", "Người thực hiện"),
    ("role", "Vai trò"),
    ("network", "Mạng"),
    ("targets", "Đối tượng"),
    ("changes", "Thay đổi"),
    ("detail", "Chi tiết"),
    ("provinces", "Tỉnh"),
]


def _change_text(change: dict[str, Any]) -> str:
    before, after = change.get("before"), change.get("after")
    head = f"{change['kind']} {change['id']}"
    if before is None:
        return f"{head}: tạo mới"
    if after is None:
        return f"{head}: xoá"
    return head + ": " + "; ".join(f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in after)


def rows_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per entry, what an official reads in Excel (every cell goes through the shared writer)."""
    return [
        {
            "at": str(e["at"])[:19].replace("T", " "),
            "service": e.get("service"),
            "action": e["action"],
            "actor": e["actor"]["subject"],
            "role": e["actor"]["role"],
            "network": e.get("network"),
            "targets": ", ".join(f"{t['kind']} {t['id']}" for t in e.get("targets", [])),
            "changes": "\n".join(_change_text(c) for c in e.get("changes", [])),
            "detail": ", ".join(f"{k}: {v}" for k, v in (e.get("detail") or {}).items()),
            "provinces": ", ".join(e.get("provinces", [])),
        }
        for e in entries
    ]


def audit_xlsx(entries: list[dict[str, Any]]) -> bytes:
    return table_xlsx("Nhật ký thao tác", COLUMNS, rows_of(entries), sheet="Nhật ký")


router = APIRouter(tags=["audit"])
Reader = Annotated[Principal, Depends(require(*READERS))]


@router.get(
    "/audit",
    summary="Audit trail: who did what, when, from which network (officials: their provinces)",
    responses=returns("application/json", XLSX),
)
async def audit(
    request: Request,
    principal: Reader,
    since: datetime | None = None,
    until: datetime | None = None,
    action: Annotated[str | None, Query(max_length=60, pattern=ACTION.pattern)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    target: Annotated[str | None, Query(max_length=100)] = None,
    producer_id: Annotated[str | None, Query(max_length=64)] = None,
    province: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    fmt: Annotated[Literal["json", "xlsx"], Query(alias="format")] = "json",
) -> Response:
    query = AuditQuery(since, until, action, actor, target, producer_id, province, limit, skip)
    entries = await read_audit(request.app.state.runtime.db, query, principal)
    if fmt == "xlsx":
        return Response(
            audit_xlsx(entries),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="nhat-ky-thao-tac.xlsx"'},
        )
    return JSONResponse({"entries": jsonable(entries), "limit": limit, "skip": skip})


def jsonable(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "at": e["at"].isoformat() if isinstance(e["at"], datetime) else e["at"]} for e in entries]


__all__ = ["AuditQuery", "audit_xlsx", "read_audit", "router", "rows_of"]


def add_console_page(pages: APIRouter, console: Any) -> None:
    """``/console/audit`` (and its Excel download) on a service's console router: the entries of this service's
    trail the signed-in official may read, with the same filters as the API."""
    from ocop_shared.console import require_user

    def query_of(request: Request) -> AuditQuery:
        p = request.query_params

        def text(name: str, size: int) -> str | None:
            value = (p.get(name) or "").strip()[:size]
            return value or None

        action = text("action", 60)
        if action and not ACTION.match(action):
            action = None

        def day(name: str) -> datetime | None:
            try:
                return datetime.fromisoformat(p[name]) if p.get(name) else None
            except ValueError:
                return None

        return AuditQuery(
            since=day("since"),
            until=day("until"),
            action=action,
            actor=text("actor", 64),
            target=text("target", 100),
            province=text("province", 10),
            limit=200,
        )

    @pages.get("/audit")
    async def audit_page(request: Request) -> Response:
        principal = require_user(request, *READERS)
        query = query_of(request)
        entries = await read_audit(request.app.state.runtime.db, query, principal)
        return console.render(
            request,
            "audit.html",
            user=principal,
            title="Nhật ký thao tác",
            rows=rows_of(entries),
            query=query,
            params=str(request.query_params),
        )

    @pages.get("/audit.xlsx")
    async def audit_download(request: Request) -> Response:
        principal = require_user(request, *READERS)
        entries = await read_audit(request.app.state.runtime.db, query_of(request), principal)
        return Response(
            audit_xlsx(entries),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="nhat-ky-thao-tac.xlsx"'},
        )
