"""Registry import benchmark: 10,000 products from an .xlsx through the HTTP API on the embedded stack.

Builds a workbook (100 producers imported first, then 10,000 products spread over them), starts Tansu +
nx-27017 and the registry (in-process ASGI, real wire servers), uploads the file to
``POST /api/v1/imports/products`` and prints the time; for comparison it also times parsing the same
workbook alone (the floor any import has to pay). Target: ≤ 30 s for 10,000 products on 2 cores.

Usage: ``python bench/registry_import.py [--products 10000]``
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from openpyxl import Workbook

from ocop_cli.stack import start_stack
from ocop_registry.app.importing import read_rows
from ocop_registry.bootstrap import RegistrySettings
from ocop_registry.main import create_app
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing

GROUPS = ["Thực phẩm", "Đồ uống", "herbal", "handicraft"]


def workbook(header: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--producers", type=int, default=100)
    args = parser.parse_args()
    tax = [f"47{i:08d}" for i in range(args.producers)]
    producers = workbook(
        ["Tên chủ thể", "Loại hình", "Mã số thuế", "Tỉnh", "Xã"],
        ([f"HTX số {i}", "HTX", t, "Thái Nguyên", "Xã Chợ Đồn"] for i, t in enumerate(tax)),
    )
    products = workbook(
        ["producer_tax_code", "Tên sản phẩm", "Nhóm", "Đơn vị tính", "Giá (VNĐ)", "Mô tả"],
        (
            [tax[i % len(tax)], f"Sản phẩm số {i}", GROUPS[i % 4], "hộp", 10_000 + i, "Đặc sản vùng cao"]
            for i in range(args.products)
        ),
    )
    t = time.perf_counter()
    parsed = read_rows("p.xlsx", products)
    parse_s = time.perf_counter() - t
    assert len(parsed) == args.products

    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp))
        try:
            settings = RegistrySettings(
                kafka_bootstrap=stack.bootstrap,
                mongo_url=stack.mongo_url,
                secret_key="bench",
                jwt_key_dir=Path(tmp) / "jwt",
                data_dir=Path(tmp),
                log_level="ERROR",
            )
            app = create_app(settings)
            keys = KeyRing.load_or_create(Path(tmp) / "jwt")  # the registry's (it signs with them)
            headers = {"Authorization": f"Bearer {mint_token(keys, role='official')}"}
            async with (
                LifespanManager(app, startup_timeout=60),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://registry", timeout=600
                ) as client,
            ):
                xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                r = await client.post(
                    "/api/v1/imports/producers", headers=headers, files={"file": ("chu-the.xlsx", producers, xlsx)}
                )
                assert r.status_code == 200 and r.json()["created"] == args.producers, r.text
                t = time.perf_counter()
                r = await client.post(
                    "/api/v1/imports/products", headers=headers, files={"file": ("san-pham.xlsx", products, xlsx)}
                )
                import_s = time.perf_counter() - t
                report = r.json()
                t = time.perf_counter()
                again = (
                    await client.post(
                        "/api/v1/imports/products", headers=headers, files={"file": ("san-pham.xlsx", products, xlsx)}
                    )
                ).json()
                reimport_s = time.perf_counter() - t
        finally:
            stack.stop()
    print(f"products: {args.products} (over {args.producers} producers), workbook {len(products) / 2**20:.1f} MiB")
    print(f"parse .xlsx alone:            {parse_s:6.2f} s")
    print(
        f"import via HTTP (validate + store + outbox events): {import_s:6.2f} s "
        f"= {args.products / import_s:,.0f} rows/s   (target ≤ 30 s)"
    )
    print(
        f"re-import of the same file (idempotent): {reimport_s:6.2f} s, created {again['created']}, "
        f"existing {again['existing']}"
    )
    print(f"ratio import / parse: {import_s / parse_s:.1f}x")
    ok = report["created"] == args.products and not report["errors"] and again["created"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
