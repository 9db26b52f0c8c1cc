"""Security benchmark: what issue 15's protections cost per request, each next to its baseline in this process.

1. The two middlewares every request passes (``SecurityHeaders``: CSP with a nonce, nosniff, … and
   ``Caller``: token check and network prefix), around a minimal HTML app, against the bare app — called as
   ASGI callables, no sockets, so the figure is the middleware's own CPU time.
2. Verifying a token: EdDSA (Ed25519, what every service does now) against HS256 (the former shared secret),
   both through PyJWT, with the same claims.
3. The spreadsheet writer that neutralises formulas (``ocop_shared.exports.table_xlsx``) against openpyxl
   writing the same rows directly.

Usage: ``python bench/security.py [--requests 20000] [--tokens 5000] [--rows 5000]``. Targets: the middlewares
≤ 100 µs per request (the scan page's p99 budget is 25 ms), an EdDSA verification ≤ 2 ms (one per API request;
the Ed25519 signature check itself is most of it), the neutralising writer ≤ 1.5× openpyxl.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from types import SimpleNamespace

import jwt
from openpyxl import Workbook

from ocop_shared.auth import decode_token, mint_token
from ocop_shared.exports import table_xlsx
from ocop_shared.headers import Policy, SecurityHeaders, csp_nonce
from ocop_shared.keys import KeyRing
from ocop_shared.sessions import Caller

PAGE = b"<!doctype html><title>t</title><p>ok</p>"


async def page(scope, receive, send):
    """A minimal HTML endpoint that asks for the CSP nonce, as the scan page does."""
    from starlette.requests import Request

    csp_nonce(Request(scope))
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": PAGE})


def scope() -> dict:
    return {
        "type": "http",
        "method": "GET",
        "path": "/S/ABCD",
        "headers": [(b"accept", b"text/html"), (b"user-agent", b"Mozilla/5.0")],
        "client": ("203.0.113.7", 50000),
        "scheme": "http",
    }


async def per_request_us(app, n: int) -> float:
    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(_message):
        return None

    for _ in range(200):  # warm up
        await app(scope(), receive, send)
    started = time.perf_counter()
    for _ in range(n):
        await app(scope(), receive, send)
    return (time.perf_counter() - started) / n * 1e6


def verify_ms(n: int) -> tuple[float, float]:
    ring = KeyRing.generate()
    keys = ring.verifier()
    token = mint_token(ring, role="official", subject="bench", provinces=("19",))
    claims = jwt.decode(token, options={"verify_signature": False})
    secret = "bench-" + "k" * 32
    hs = jwt.encode(claims, secret, algorithm="HS256")
    started = time.perf_counter()
    for _ in range(n):
        decode_token(keys, token)
    eddsa = (time.perf_counter() - started) / n * 1e3
    started = time.perf_counter()
    for _ in range(n):
        jwt.decode(hs, secret, algorithms=["HS256"], issuer="ocop", options={"require": ["exp", "sub", "iat"]})
    hs256 = (time.perf_counter() - started) / n * 1e3
    return eddsa, hs256


def writer_s(rows: int, rounds: int = 3) -> tuple[float, float]:
    """Best of ``rounds`` for each writer, taken in turns (the machine's load changes over a run)."""
    columns = [("name", "Tên sản phẩm"), ("producer", "Chủ thể"), ("stars", "Hạng sao"), ("note", "Ghi chú")]
    data = [
        {"name": f"Chè Shan tuyết {i}", "producer": '=HYPERLINK("http://evil.example/")', "stars": 4, "note": "-"}
        for i in range(rows)
    ]

    def plain_openpyxl() -> None:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append([label for _, label in columns])
        for row in data:
            ws.append([row[k] for k, _ in columns])
        wb.save(io.BytesIO())

    ours, plain = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        table_xlsx("Báo cáo", columns, data, sheet="Sản phẩm")
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_openpyxl()
        plain.append(time.perf_counter() - started)
    return min(ours), min(plain)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--tokens", type=int, default=5_000)
    parser.add_argument("--rows", type=int, default=5_000)
    args = parser.parse_args()

    runtime = SimpleNamespace(settings=SimpleNamespace(jwt_issuer="ocop"), token_keys=None, db=None)
    wrapped = Caller(SecurityHeaders(page, Policy()), runtime=runtime)
    bare = await per_request_us(page, args.requests)
    guarded = await per_request_us(wrapped, args.requests)
    eddsa, hs256 = verify_ms(args.tokens)
    ours, plain = writer_s(args.rows)

    print(f"{'what':48} {'ours':>10} {'baseline':>10} {'ratio':>7}")
    print(f"{'HTML request, µs (headers + caller vs bare app)':48} {guarded:10.1f} {bare:10.1f} {guarded / bare:7.2f}")
    print(f"{'  middleware cost per request, µs':48} {guarded - bare:10.1f}")
    print(f"{'token verification, ms (EdDSA vs HS256)':48} {eddsa:10.3f} {hs256:10.3f} {eddsa / hs256:7.2f}")
    label = f".xlsx of {args.rows} rows, s (neutralising vs openpyxl)"
    print(f"{label:48} {ours:10.3f} {plain:10.3f} {ours / plain:7.2f}")
    ok = guarded - bare <= 100 and eddsa <= 2 and ours / plain <= 1.5
    print("targets: middlewares ≤ 100 µs, EdDSA ≤ 2 ms, writer ≤ 1.5× openpyxl:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
