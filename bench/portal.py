"""Portal benchmark: the public catalogue page (``/san-pham``, HTML) of the registry next to a FastAPI
hello-world served by the same uvicorn settings in the same run.

Starts the embedded stack, seeds a registry database with a province-sized catalogue (``--products``
certified products of ``--products / 5`` producers, the six groups, 3–5 stars), runs the registry and the
hello-world app as real uvicorn processes and drives them with the keep-alive load generator of
``bench/scan.py``. The paths mix the filters a citizen uses (group, stars, text search, pages), so the page
cache serves a few dozen distinct pages; the product pages are measured too. Prints the HTML weights.

Usage: ``python bench/portal.py [--seconds 8] [--connections 32] [--products 1000]``.
Targets: catalogue ≥ 0.5× hello req/s, catalogue HTML ≤ 50 KB.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from _common import load_parser, pct, service_env
from scan import _conn, closed_loop, serve

from ocop_cli.stack import free_port, start_stack
from ocop_registry.adapters.repositories import CertificateRepository, ProducerRepository, ProductRepository
from ocop_registry.adapters.uow import COLLECTIONS
from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.portal import GROUPS
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_shared.mongo import ensure_collections, make_client

NAMES = ("Chè Shan tuyết", "Miến dong", "Mơ vàng", "Hạt dẻ", "Nếp Khẩu nua lếch", "Bí xanh thơm", "Mật ong bạc hà")


async def seed(mongo_url: str, n: int) -> list[str]:
    """``n`` certified products written through the registry's repositories; their ids."""
    client = make_client(mongo_url)
    db = client["registry"]
    await ensure_collections(db, COLLECTIONS)
    now = datetime.now(UTC)
    province = {"code": "19", "name": "Thái Nguyên"}
    producers = [
        Producer(
            id=f"pr{i}",
            name=f"HTX Nông sản {i}",
            kind="cooperative",
            tax_code=f"{4700000000 + i}",
            province=province,
            commune={"code": f"{2000 + i % 40}", "name": f"Xã Số {i % 40}"},
            address=f"Thôn {i}",
            registered_at=now,
        )
        for i in range(max(1, n // 5))
    ]
    products, certificates = [], []
    for i in range(n):
        producer = producers[i % len(producers)]
        group = GROUPS[i % len(GROUPS)]
        products.append(
            Product(
                id=f"p{i}",
                producer_id=producer.id,
                name=f"{NAMES[i % len(NAMES)]} số {i}",
                group=group,
                description="Đặc sản vùng cao, sản xuất theo quy trình VietGAP",
                unit="hộp 500 g",
                price_vnd=120000 + i,
                images=[f"https://img.example.vn/{i}.jpg"],
                created_at=now,
                current_certificate_id=f"c{i}",
            )
        )
        certificates.append(
            Certificate(
                id=f"c{i}",
                product_id=f"p{i}",
                producer_id=producer.id,
                evaluation_id=f"e{i}",
                stars=3 + i % 3,
                decision_no=f"{1000 + i}/QĐ-UBND",
                issued_on=date(2026, 1 + i % 11, 1),
                valid_until=date(2029, 1 + i % 11, 1),
                criteria_version="QD148-2023",
                level="province",
                group=group,
                province=province,
                commune=producer.commune,
            )
        )
    await ProducerRepository(db).add_many(producers)
    await ProductRepository(db).add_many(products)
    await CertificateRepository(db).add_many(certificates)
    await client.close()
    return [p.id for p in products]


async def html_size(port: int, path: str) -> int:
    reader, writer = await _conn(port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: b\r\nAccept: text/html\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    writer.close()
    line = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    return int(line.split(b":")[1])


async def main() -> int:
    parser = load_parser("the registry")
    parser.add_argument("--products", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        stack = start_stack(tmp_dir / "stack")
        procs = []
        try:
            rport, hport = free_port(), free_port()
            ids = await seed(stack.mongo_url, args.products)
            env = service_env(stack, tmp_dir, args.env, OCOP_EXPIRY_INTERVAL_S="86400")
            procs.append(serve("ocop_registry.main:create_app", rport, env, tmp_dir / "registry.log"))
            procs.append(serve("hello_app:app", hport, env, tmp_dir / "hello.log"))
            await asyncio.sleep(2)
            catalogue = ["/san-pham", "/san-pham?trang=2", "/san-pham?q=che+shan+tuyet", "/san-pham?sao=4"]
            catalogue += [f"/san-pham?nhom={g}" for g in GROUPS] + [f"/san-pham?nhom={g}&sao=5" for g in GROUPS]
            products = [f"/san-pham/{i}" for i in ids[:200]]
            await closed_loop(rport, catalogue + products, 2, 8)  # warm-up (first snapshot, page cache)
            await closed_loop(hport, ["/hello"], 1.5, 8)
            hello_rps, hello_lat, _ = await closed_loop(hport, ["/hello"], args.seconds, args.connections)
            cat_rps, cat_lat, cat_errors = await closed_loop(rport, catalogue, args.seconds, args.connections)
            prod_rps, prod_lat, prod_errors = await closed_loop(rport, products, args.seconds, args.connections)
            sizes = {path: await html_size(rport, path) for path in ("/", "/san-pham", products[0], "/ban-do")}
        finally:
            for p in procs:
                p.terminate()
                p.wait(10)
            stack.stop()
    print(
        f"{args.products} certified products; connections: {args.connections}, {args.seconds:.0f} s per phase, "
        "1 uvicorn worker each, 2 cores shared with the load generator and the database server"
    )
    print(f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'FastAPI hello-world':<34}{hello_rps:>9.0f}{pct(hello_lat, 50):>9.1f}{pct(hello_lat, 99):>9.1f}")
    print(f"{'catalogue /san-pham (16 variants)':<34}{cat_rps:>9.0f}{pct(cat_lat, 50):>9.1f}{pct(cat_lat, 99):>9.1f}")
    print(f"{'product pages (200)':<34}{prod_rps:>9.0f}{pct(prod_lat, 50):>9.1f}{pct(prod_lat, 99):>9.1f}")
    print(
        f"ratio catalogue / hello-world: {cat_rps / hello_rps:.2f}   (target ≥ 0.5)   5xx: {cat_errors + prod_errors}"
    )
    print(
        "HTML: " + ", ".join(f"{path} {size / 1024:.1f} KB" for path, size in sizes.items()) + "   (catalogue ≤ 50 KB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
