"""``ocop migrate …``: data migrations of a running stack, one command each (other migrations join the group).

Each migration is a route of the service that owns the data (operators only), run in that service's own
process and units of work (the embedded database takes one writer per database), idempotent, and answering
a report of what it changed and what it could not; this module calls them and prints the reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from ocop_cli.signing import signer
from ocop_shared.auth import mint_token

migrate_app = typer.Typer(help="Data migrations of a running stack (idempotent; each reports what it changed)")
console = Console()
ROWS_SHOWN = 50


def _token(data_dir: Path) -> str:
    return mint_token(signer(data_dir), role="operator", subject="cli-migrate")


def _run(url: str, route: str, token: str, dry_run: bool) -> dict[str, Any]:
    resp = httpx.post(
        f"{url.rstrip('/')}{route}",
        json={"dry_run": dry_run},
        headers={"Authorization": f"Bearer {token}"},
        timeout=600,
    )
    if resp.status_code != 200:
        console.print(f"[red]{url}{route}: {resp.status_code} {resp.text[:500]}[/red]")
        raise typer.Exit(1)
    return resp.json()


def _print(title: str, report: dict[str, Any], key: str) -> int:
    """One collection's report; returns how many records could not be placed."""
    converted, pending, failed = report["converted"], report["pending_choice"], report["could_not"]
    console.print(
        f"[bold]{title}[/bold]: {report['examined']} chưa chuyển đổi — {len(converted)} chuyển sang đơn vị hiện nay, "
        f"{report['placed']} đã theo đơn vị hiện nay (chỉ ghi thêm), {len(pending)} chờ cán bộ chọn xã/phường, "
        f"{len(failed)} không chuyển được"
    )
    if converted or pending:
        table = Table("Bản ghi", "Địa chỉ đã ghi", "Hiện nay", "Trạng thái")
        for row in [*converted, *pending][:ROWS_SHOWN]:
            choices = ", ".join(c["name"] for c in row.get("candidates", []))
            status = f"chờ chọn: {choices}" if choices else "đã chuyển"
            table.add_row(str(row.get("name") or row.get(key)), row["recorded"], row["current"], status)
        console.print(table)
    if failed:
        table = Table("Bản ghi", "Địa chỉ đã ghi", "Lý do")
        for row in failed[:ROWS_SHOWN]:
            table.add_row(str(row.get("name") or row.get(key)), row.get("written", ""), row["error"])
        console.print(table)
    return len(failed)


@migrate_app.command("admin-units")
def admin_units(
    registry_url: Annotated[str, typer.Option(help="registry base URL")] = "http://127.0.0.1:8001",
    traceability_url: Annotated[str, typer.Option(help="traceability base URL")] = "http://127.0.0.1:8002",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report what would change, change nothing")] = False,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Where data, keys and logs live", envvar="OCOP_DATA_DIR")
    ] = Path(".ocop"),
) -> None:
    """Records stored with pre-07/2025 units (a district, no codes) or unchecked text: place them in today's
    units, keeping what was written. Exit code 2 when some could not be placed (they are listed)."""
    token = _token(data_dir)
    if dry_run:
        console.print("[yellow]--dry-run: nothing is changed[/yellow]")
    registry = _run(registry_url, "/api/v1/migrations/admin-units", token, dry_run)
    trace = _run(traceability_url, "/api/v1/migrations/admin-units", token, dry_run)
    failed = _print("Chủ thể (registry)", registry, "id")
    failed += _print("Vùng trồng (traceability)", trace["growing_areas"], "code")
    failed += _print("Cơ sở đóng gói (traceability)", trace["packing_houses"], "code")
    if failed:
        raise typer.Exit(2)


@migrate_app.command("products")
def products(
    registry_url: Annotated[str, typer.Option(help="registry base URL")] = "http://127.0.0.1:8001",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report what would change, change nothing")] = False,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Where data, keys and logs live", envvar="OCOP_DATA_DIR")
    ] = Path(".ocop"),
) -> None:
    """Products stored before today's rules (e.g. image entries that are not URLs, saved by the old PATCH):
    repaired, one version on and announced, so scan pages and listings follow. Exit code 2 when some need a
    person (they are listed)."""
    if dry_run:
        console.print("[yellow]--dry-run: nothing is changed[/yellow]")
    report = _run(registry_url, "/api/v1/migrations/products", _token(data_dir), dry_run)
    verb = "cần sửa" if dry_run else "đã sửa"
    console.print(f"Đã kiểm tra {report['checked']} sản phẩm; {verb} {len(report['repaired'])}.")
    for product_id, fields in list(report["repaired"].items())[:ROWS_SHOWN]:
        console.print(f"  {product_id}: {', '.join(fields)}")
    for product_id, problem in report["unrepairable"].items():
        console.print(f"  [yellow]{product_id}: cần người sửa — {problem}[/yellow]")
    if report["unrepairable"]:
        raise typer.Exit(2)
