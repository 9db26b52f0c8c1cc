"""Dossier and council records made over HTTP: evidence files (real PDF, JPEG, PNG and hostile ones), a food
product's dossier taken to "accepted", council members' accounts and their tokens, score sheets."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from conftest import RunningApps, auth
from tests.support.console import add_user
from tests.support.registry import OFFICIAL

BUSINESS_PLAN = "Mở rộng vùng nguyên liệu 10 ha, đóng gói hút chân không, bán qua sàn voso và postmart."


def pdf_bytes(pages: int = 1, text: str = "Giấy chứng nhận an toàn thực phẩm") -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)  # the same bytes every time (no timestamp, no random id)
    for n in range(pages):
        canvas.drawString(72, 720, f"{text} - trang {n + 1}".encode("ascii", "replace").decode())
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 160, 40)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, filename: str, criteria: str = "A1.1", title: str = "Hợp đồng mua nguyên liệu") -> dict:
    """httpx keyword arguments of an evidence upload."""
    return {
        "files": {"file": (filename, data, "application/octet-stream")},
        "data": {"title": title, "criteria": criteria},
    }


def food_scores(part_a: float = 30, part_b: float = 18, part_c: float = 26) -> dict[str, float]:
    """A score sheet for the food sheet whose parts add up to the given part scores (spread over indicators)."""
    from ocop_registry.adapters.criteria_files import load_sheets

    sheet = load_sheets().sheet("QD148-2023", "food")
    out: dict[str, float] = {}
    for part, wanted in zip(sheet.parts, (part_a, part_b, part_c), strict=True):
        left = wanted
        for indicator in part.indicators:
            give = min(indicator.max, left)
            out[indicator.code] = give
            left = round(left - give, 2)
        assert left == 0, f"part {part.code} cannot reach {wanted}"
    return out


async def start_dossier(
    apps: RunningApps, product_id: str, headers: dict, *, year: int = 2026, kind: str = "new"
) -> dict:
    r = await apps["registry"].post(
        "/api/v1/dossiers",
        headers=headers,
        json={"product_id": product_id, "cycle_year": year, "kind": kind, "form": {"business_plan": BUSINESS_PLAN}},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def file_evidence(apps: RunningApps, dossier_id: str, headers: dict, **kwargs) -> dict:
    args = upload(pdf_bytes(), "hop-dong.pdf") if not kwargs else upload(**kwargs)
    r = await apps["registry"].post(f"/api/v1/dossiers/{dossier_id}/evidence", headers=headers, **args)
    assert r.status_code == 201, r.text
    return r.json()


async def accepted_dossier(
    apps: RunningApps,
    product_id: str,
    owner: dict,
    *,
    year: int = 2026,
    kind: str = "new",
    criteria: str = "A1.1",
) -> dict:
    """A dossier the producer filled (a document filed against ``criteria``) and submitted, accepted by an
    official."""
    dossier = await start_dossier(apps, product_id, owner, year=year, kind=kind)
    if not dossier["evidence"]:
        await file_evidence(apps, dossier["id"], owner, data=pdf_bytes(), filename="hop-dong.pdf", criteria=criteria)
    reg = apps["registry"]
    r = await reg.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=owner)
    assert r.status_code == 200, r.text
    r = await reg.post(f"/api/v1/dossiers/{dossier['id']}/accept", headers=OFFICIAL)
    assert r.status_code == 200, r.text
    return r.json()


@dataclass
class Panel:
    """Council members' accounts (the first is the chair) and their bearer tokens."""

    usernames: list[str]

    def token(self, n: int) -> dict[str, str]:
        return auth_as(self.usernames[n])

    def members(self, conflicts: dict[int, list[str]] | None = None) -> list[dict]:
        return [
            {"username": u, "role": "chair" if n == 0 else "member", "conflicts": (conflicts or {}).get(n, [])}
            for n, u in enumerate(self.usernames)
        ]


def auth_as(username: str, role: str = "council_member", producer_id: str | None = None) -> dict[str, str]:
    from conftest import KEYS
    from ocop_shared.auth import mint_token

    return {"Authorization": f"Bearer {mint_token(KEYS, role=role, subject=username, producer_id=producer_id)}"}


async def panel(apps: RunningApps, size: int = 3, *, affiliations: dict[int, str] | None = None) -> Panel:
    """``size`` council-member accounts (``affiliations``: member n works for that producer)."""
    names = []
    for n in range(size):
        name = await add_user(apps, "council_member", producer_id=(affiliations or {}).get(n))
        names.append(name)
    return Panel(names)


async def form_council(apps: RunningApps, members: list[dict], dossier_ids: list[str], **overrides) -> dict:
    body = {
        "name": f"Hội đồng đánh giá sản phẩm OCOP tỉnh Thái Nguyên {uuid.uuid4().hex[:4]}",
        "level": "province",
        "province": "19",
        "meeting_on": "2026-10-20",
        "members": members,
        "dossier_ids": dossier_ids,
    } | overrides
    r = await apps["registry"].post("/api/v1/councils", headers=OFFICIAL, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def score(apps: RunningApps, council_id: str, dossier_id: str, headers: dict, scores: dict[str, float]):
    return await apps["registry"].post(
        f"/api/v1/councils/{council_id}/scores", headers=headers, json={"dossier_id": dossier_id, "scores": scores}
    )


__all__ = ["OFFICIAL", "auth"]
