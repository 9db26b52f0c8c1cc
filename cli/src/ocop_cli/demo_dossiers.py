"""Demo dossiers and a council (``ocop up --demo`` / ``ocop demo``, after the producers and the accounts).

The provincial council of Thái Nguyên (three demo members, ``hd.chutich`` the chair) evaluated two food
products' dossiers, and the People's Committee decision certified them (4★ and 3★); a third dossier is in
progress: submitted by HKD Hà Thị Thoa and returned by the official with a comment per item, waiting for the
producer (login ``thoa``) to complete it and submit again. The evidence files are PDFs made here with the
words "TÀI LIỆU MINH HOẠ" on them: demo data, not real documents. Loading twice creates nothing new (the
council is found by its name).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from reportlab.pdfgen.canvas import Canvas

from ocop_cli.demo import BAC_KAN
from ocop_registry.adapters.appendix_pdf import fonts
from ocop_registry.adapters.criteria_files import load_sheets
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing

COUNCIL_NAME = "Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh Thái Nguyên (minh hoạ)"
CHAIR, MEMBERS = "hd.chutich", ("hd.thanhvien1", "hd.thanhvien2")
OFFICIAL = "canbo.thainguyen"
DECISION_NO = "2350/QĐ-UBND"

# producer tax code, product, unit, price, business plan, the three members' part scores (A, B, C)
DECIDED = [
    (
        "4700285617",
        "Miến dong sợi nhỏ Na Rì",
        "gói 300 g",
        45000,
        "Liên kết 40 hộ trồng dong riềng tại xã Na Rì; dây chuyền tráng, phơi miến có mái che; bán qua sàn postmart.",
        ((32, 19, 26), (33, 18, 27), (31, 19, 25)),  # 77, 78, 75 → 76.67: 4★
    ),
    (
        "4700271835",
        "Hạt dẻ rang Ngân Sơn",
        "túi 500 g",
        120000,
        "Thu mua hạt dẻ của HTX thành viên; rang, đóng túi tại xưởng xã Thượng Quan; bán ở điểm du lịch hồ Ba Bể.",
        ((26, 14, 21), (25, 15, 20), (27, 14, 22)),  # 61, 60, 63 → 61.33: 3★
    ),
]
# the dossier in progress: HKD Hà Thị Thoa's, returned with comments
IN_PROGRESS = (
    "4700301122-001",
    "Măng khô Chợ Đồn",
    "túi 250 g",
    85000,
    "Măng vầu rừng thu hái tại xã Chợ Đồn, luộc và sấy khô bằng lò than sinh học.",
)
EVIDENCE = [
    ("Hợp đồng liên kết vùng nguyên liệu", ["A1.1"]),
    ("Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", ["C1.1"]),
    ("Phiếu kết quả kiểm nghiệm sản phẩm", ["C2.1"]),
]


@dataclass
class DossierDemo:
    council_id: str | None = None
    created: bool = False
    dossiers: dict[str, str] = field(default_factory=dict)  # product name → dossier id


def document(title: str, product: str) -> bytes:
    """A one-page PDF saying what it stands for (a demo stand-in for a scanned document)."""
    regular, bold = fonts()
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    canvas.setFont(bold, 16)
    canvas.drawString(72, 760, title)
    canvas.setFont(regular, 12)
    canvas.drawString(72, 735, f"Sản phẩm: {product}")
    canvas.drawString(72, 715, "TÀI LIỆU MINH HOẠ — dữ liệu mẫu của bản demo, không phải giấy tờ thật.")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def sheet_for(parts: tuple[float, float, float]) -> dict[str, float]:
    """Indicator scores of the food sheet (QĐ 148/2023) adding up to the given part scores."""
    sheet = load_sheets().sheet("QD148-2023", "food")
    out: dict[str, float] = {}
    for part, wanted in zip(sheet.parts, parts, strict=True):
        left = float(wanted)
        for indicator in part.indicators:
            out[indicator.code] = give = min(indicator.max, left)
            left = round(left - give, 2)
    return out


class _Loader:
    def __init__(self, registry_url: str, key: KeyRing) -> None:
        self.url, self.key = registry_url, key

    def client(self, role: str, subject: str, **claims) -> httpx.Client:
        token = mint_token(self.key, role=role, subject=subject, **claims)
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def ok(self, resp: httpx.Response, what: str) -> dict:
        if resp.status_code >= 400:
            raise RuntimeError(f"demo {what}: {resp.status_code} {resp.text[:300]}")
        return resp.json()

    def product(self, official: httpx.Client, producer_id: str, name: str, unit: str, price: int) -> str:
        for p in official.get("/api/v1/products", params={"limit": 500, "q": name}).json():
            if p["name"] == name:
                return p["id"]
        body = {
            "producer_id": producer_id,
            "name": name,
            "group": "food",
            "unit": unit,
            "price_vnd": price,
            "description": f"{name} — sản phẩm dự thi OCOP (dữ liệu minh hoạ)",
        }
        return self.ok(official.post("/api/v1/products", json=body), name)["id"]

    def filed_dossier(self, producer: httpx.Client, product_id: str, name: str, plan: str) -> dict:
        """A new dossier of this year with its form and three documents, submitted."""
        form = {"business_plan": plan, "target_stars": 4, "production_capacity": "10 tấn/năm"}
        body = {"product_id": product_id, "cycle_year": date.today().year, "kind": "new", "form": form}
        dossier = self.ok(producer.post("/api/v1/dossiers", json=body), f"dossier {name}")
        for title, criteria in EVIDENCE:
            files = {"file": (f"{title}.pdf", document(title, name), "application/pdf")}
            data = {"title": title, "criteria": ",".join(criteria)}
            self.ok(producer.post(f"/api/v1/dossiers/{dossier['id']}/evidence", files=files, data=data), title)
        return self.ok(producer.post(f"/api/v1/dossiers/{dossier['id']}/submit"), f"submit {name}")


def load_dossiers(registry_url: str, key: KeyRing) -> DossierDemo:
    loader = _Loader(registry_url, key)
    result = DossierDemo()
    with loader.client("official", OFFICIAL, provinces=(BAC_KAN["code"],)) as official:
        found = [c for c in official.get("/api/v1/councils").json() if c["name"] == COUNCIL_NAME]
        if found:
            result.council_id = found[0]["id"]
            return result
        producers = {p["tax_code"]: p["id"] for p in official.get("/api/v1/producers", params={"limit": 500}).json()}
        accepted = []
        for tax_code, name, unit, price, plan, _scores in DECIDED:
            product_id = loader.product(official, producers[tax_code], name, unit, price)
            with loader.client("producer", f"demo-{tax_code}", producer_id=producers[tax_code]) as producer:
                dossier = loader.filed_dossier(producer, product_id, name, plan)
            accepted_now = official.post(f"/api/v1/dossiers/{dossier['id']}/accept")
            accepted.append(loader.ok(accepted_now, f"accept {name}")["id"])
            result.dossiers[name] = dossier["id"]
        today = date.today()
        members = [{"username": CHAIR, "role": "chair"}] + [{"username": m, "role": "member"} for m in MEMBERS]
        body = {
            "name": COUNCIL_NAME,
            "level": "province",
            "province": BAC_KAN["code"],
            "meeting_on": (today - timedelta(days=7)).isoformat(),
            "members": members,
            "dossier_ids": accepted,
        }
        council = loader.ok(official.post("/api/v1/councils", json=body), "council")
        result.council_id, result.created = council["id"], True
        for n, username in enumerate((CHAIR, *MEMBERS)):
            with loader.client("council_member", username) as member:
                for dossier_id, row in zip(accepted, DECIDED, strict=True):
                    sheet = {"dossier_id": dossier_id, "scores": sheet_for(row[5][n])}
                    loader.ok(member.post(f"/api/v1/councils/{council['id']}/scores", json=sheet), "score")
        with loader.client("council_member", CHAIR) as chair:
            loader.ok(chair.post(f"/api/v1/councils/{council['id']}/close"), "close")
        decision = {"decision_no": DECISION_NO, "issued_on": today.isoformat()}
        loader.ok(official.post(f"/api/v1/councils/{council['id']}/decision", json=decision), "decision")

        tax_code, name, unit, price, plan = IN_PROGRESS
        product_id = loader.product(official, producers[tax_code], name, unit, price)
        with loader.client("producer", "thoa", producer_id=producers[tax_code]) as producer:
            dossier = loader.filed_dossier(producer, product_id, name, plan)
        evidence = {e["title"]: e["id"] for e in dossier["evidence"]}
        review = {
            "comment": "Hồ sơ cần bổ sung trước khi đưa ra hội đồng.",
            "items": [
                {"ref": "form", "comment": "Ghi rõ công suất sấy theo mẻ và theo năm."},
                {
                    "ref": evidence["Phiếu kết quả kiểm nghiệm sản phẩm"],
                    "comment": "Phiếu kiểm nghiệm đã quá 12 tháng: nộp phiếu mới.",
                },
                {"ref": "B1.1", "comment": "Chưa có minh chứng về bao bì, nhãn hàng hoá."},
            ],
        }
        loader.ok(official.post(f"/api/v1/dossiers/{dossier['id']}/return", json=review), "return")
        result.dossiers[name] = dossier["id"]
    return result
