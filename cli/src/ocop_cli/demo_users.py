"""Demo console accounts (created by ``ocop up --demo`` / ``ocop demo``; loading twice creates nothing new).

The passwords are public (printed in the README): demo data only, never a real deployment.
"""

from __future__ import annotations

import httpx

DEMO_PASSWORD = "ocop-demo-2025"
# username, role, producer tax code (producers), province scope (officials), display name
DEMO_USERS = [
    ("canbo", "official", None, (), "Cán bộ Văn phòng Điều phối nông thôn mới"),
    ("canbo.thainguyen", "official", None, ("19",), "Cán bộ OCOP tỉnh Thái Nguyên"),
    ("thoa", "producer", "4700301122-001", (), "HKD Hà Thị Thoa"),
    ("bacha", "producer", "4700290345", (), "CTCP công nghệ dược liệu Bắc Hà"),
    ("sangha", "producer", "4700271835", (), "HTX Sang Hà"),
    ("hongxuan", "producer", "2400812345", (), "HTX Hồng Xuân"),
    # the demo council's members (ocop_cli.demo_dossiers): console accounts of their own, tied to no producer
    ("hd.chutich", "council_member", None, (), "Chủ tịch Hội đồng OCOP tỉnh (minh hoạ)"),
    ("hd.thanhvien1", "council_member", None, (), "Thành viên Hội đồng OCOP tỉnh 1 (minh hoạ)"),
    ("hd.thanhvien2", "council_member", None, (), "Thành viên Hội đồng OCOP tỉnh 2 (minh hoạ)"),
]


def load_users(registry_url: str, operator_token: str) -> list[tuple[str, str]]:
    """Create the demo accounts; returns (username, role) of those created now."""
    created = []
    with httpx.Client(
        base_url=registry_url, headers={"Authorization": f"Bearer {operator_token}"}, timeout=30
    ) as client:
        producers = {p["tax_code"]: p["id"] for p in client.get("/api/v1/producers", params={"limit": 500}).json()}
        for username, role, tax_code, provinces, name in DEMO_USERS:
            if role == "producer" and tax_code not in producers:
                continue
            resp = client.post(
                "/api/v1/users",
                json={
                    "username": username,
                    "password": DEMO_PASSWORD,
                    "role": role,
                    "display_name": name,
                    "producer_id": producers.get(tax_code) if tax_code else None,
                    "provinces": list(provinces),
                },
            )
            if resp.status_code == 201:
                created.append((username, role))
            elif resp.status_code != 409:
                raise RuntimeError(f"demo user {username}: {resp.status_code} {resp.text}")
    return created
