"""The ``ocop`` command (Typer + Rich)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ocop_cli import testing
from ocop_cli.migrate import migrate_app
from ocop_cli.signing import key_dir, signer
from ocop_shared.auth import ROLES, mint_token
from ocop_shared.keys import KeyRing, kid_of

app = typer.Typer(
    help="OCOP trace & sync: run the embedded stack, mint tokens, load demo data, run tests.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
ROOT = Path(os.environ.get("OCOP_ROOT") or Path(__file__).resolve().parents[3])

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where data, keys and logs live", envvar="OCOP_DATA_DIR")]


def parse_ttl(value: str) -> timedelta:
    m = re.fullmatch(r"(\d+)\s*([smhd])", value.strip())
    if not m:
        raise typer.BadParameter("use a number and a unit, e.g. 30m, 1h, 7d")
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: n})


@app.command()
def token(
    role: Annotated[str, typer.Option(help="official | producer | operator")],
    producer_id: Annotated[str | None, typer.Option("--producer-id", help="required for role producer")] = None,
    ttl: Annotated[str, typer.Option(help="lifetime, e.g. 30m, 1h, 7d")] = "1h",
    province: Annotated[list[str] | None, typer.Option(help="limit an official to these province codes")] = None,
    data_dir: DataDir = Path(".ocop"),
) -> None:
    """Print a bearer token signed with the registry's key in the data dir (valid for the running stack)."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    if role == "producer" and not producer_id:
        raise typer.BadParameter("a producer token needs --producer-id", param_hint="--producer-id")
    key = signer(data_dir)
    print(
        mint_token(
            key,
            role=role,
            producer_id=producer_id,
            ttl=parse_ttl(ttl),
            subject=f"cli-{role}",
            provinces=tuple(province or ()),
        )
    )


@app.command()
def up(
    demo: Annotated[bool, typer.Option("--demo", help="load demo data from the seed documents")] = False,
    data_dir: DataDir = Path(".ocop"),
    host: Annotated[str, typer.Option(help="interface to bind", envvar="OCOP_HOST")] = "127.0.0.1",
    exit_after_start: Annotated[bool, typer.Option("--exit-after-start", hidden=True)] = False,
) -> None:
    """Run the embedded stack in the foreground (Ctrl-C stops every child)."""
    from ocop_cli.supervisor import Supervisor

    data_dir = data_dir.resolve()
    sup = Supervisor(data_dir=data_dir, host=host, log=console.print)
    sup.build()
    sup.install_signal_handlers()
    try:
        with console.status("Starting MongoDB-protocol server, Kafka-protocol broker and services…"):
            took = sup.start()
        if sup.stopping:
            return
        table = Table(title=f"OCOP trace & sync — healthy in {took:.1f}s", show_header=True)
        table.add_column("component")
        table.add_column("URL")
        for item in sup.items:
            table.add_row(item.child.name, item.url + ("/docs" if item.url.startswith("http") else ""))
        console.print(table)
        console.print(f"data: {data_dir}   logs: {data_dir / 'logs'}   RSS: {sup.rss_bytes() / 2**20:.0f} MiB")
        # One watcher restarts crashed children for as long as the stack runs. It must outlive every child
        # it starts: the kernel's parent-death signal (PR_SET_PDEATHSIG) follows the thread that started one.
        watcher = sup.watch_in_background()
        try:
            if demo:
                try:
                    load_demo(
                        f"http://{host}:{sup.ports.registry}",
                        data_dir,
                        trace_url=f"http://{host}:{sup.ports.traceability}",
                        standin_urls={
                            "voso": f"http://{host}:{sup.ports.voso}",
                            "postmart": f"http://{host}:{sup.ports.postmart}",
                        },
                    )
                except Exception as exc:  # noqa: BLE001 - the stack stays up; the demo can be loaded again
                    console.print(f"[yellow]Demo data not fully loaded ({exc}); run ./ocop demo to retry.[/yellow]")
            console.print("Token for the API: [bold]./ocop token --role official[/bold]. Ctrl-C to stop.")
            while not exit_after_start and not sup.stopping:
                time.sleep(0.25)
        finally:
            watcher.stop()
    finally:
        console.print("Stopping…")
        sup.stop()


def load_demo(
    registry_url: str, data_dir: Path, trace_url: str | None = None, standin_urls: dict[str, str] | None = None
) -> None:
    from ocop_cli import demo as demo_data

    key = signer(data_dir)
    tok = mint_token(key, role="official", subject="demo-loader")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Demo data", total=len(demo_data.PRODUCERS) + len(demo_data.PRODUCTS))
        result = demo_data.load(registry_url, tok, progress=lambda _name: progress.advance(task), trace_url=trace_url)
    console.print(
        f"Demo data: {result.producers_created} producers created, {result.producers_existing} already "
        f"there; {result.products_created} products created; {result.areas_created} growing areas created."
    )
    _load_demo_users(registry_url, key)
    from ocop_cli.demo_dossiers import DECIDED, load_dossiers

    council = load_dossiers(registry_url, key)
    console.print(
        f"Demo council ({'created' if council.created else 'already there'}): "
        f"{registry_url}/console/councils/{council.council_id} — two decided dossiers, one returned to the producer",
        soft_wrap=True,
    )
    for product, run_id in result.runs.items():
        console.print(f"Demo stamps ({product}): {trace_url}/api/v1/stamp-runs/{run_id}/sheet.pdf", soft_wrap=True)
    listed = 7 + len(DECIDED)  # the certified products of demo.PRODUCTS (one revoked) and the council's two
    if standin_urls:
        console.print(
            "Listings: "
            + ", ".join(
                f"{name} stand-in {demo_data.count_listings(url, expected=listed)} active ({url}/__inspect/products)"
                for name, url in standin_urls.items()
            ),
            soft_wrap=True,
        )
    if result.genuine_url:
        console.print(f"[bold green]Scan a genuine stamp:[/bold green] {result.genuine_url}", soft_wrap=True)
    if result.revoked_url:
        console.print(f"[bold red]Scan a stamp of the revoked product:[/bold red] {result.revoked_url}", soft_wrap=True)


def _load_demo_users(registry_url: str, key: KeyRing) -> None:
    from ocop_cli.demo_users import DEMO_PASSWORD, load_users

    load_users(registry_url, mint_token(key, role="operator", subject="demo-loader"))
    console.print(
        f"Web console: {registry_url}/console — demo logins canbo, canbo.thainguyen (officials), "
        f"thoa, bacha, sangha, hongxuan (producers), hd.chutich, hd.thanhvien1, hd.thanhvien2 (council members); "
        f"password {DEMO_PASSWORD}"
    )


@app.command("demo")
def demo_cmd(
    registry_url: Annotated[str, typer.Option(help="registry base URL")] = "http://127.0.0.1:8001",
    traceability_url: Annotated[str, typer.Option(help="traceability base URL")] = "http://127.0.0.1:8002",
    data_dir: DataDir = Path(".ocop"),
) -> None:
    """Load the demo data into a running stack (idempotent)."""
    load_demo(registry_url, data_dir, trace_url=traceability_url)


@app.command("import")
def import_cmd(
    kind: Annotated[str, typer.Argument(help="producers | products")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    registry_url: Annotated[str, typer.Option(help="registry base URL")] = "http://127.0.0.1:8001",
    report: Annotated[
        Path | None, typer.Option(help="write the rows in error to this .xlsx or .csv (row, errors, the row's cells)")
    ] = None,
    data_dir: DataDir = Path(".ocop"),
) -> None:
    """Import producers or products from an Excel/CSV list, with a progress bar and a row-by-row report."""
    import httpx

    from ocop_registry.app.importing import CHUNK, read_sheet
    from ocop_shared.errors import AppError

    if kind not in ("producers", "products"):
        raise typer.BadParameter("producers or products", param_hint="KIND")
    try:
        sheet = read_sheet(file.name, file.read_bytes())
    except AppError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    rows = sheet.rows
    if sheet.ignored:
        console.print(f"Cột không dùng: {', '.join(sheet.ignored)}")
    key = signer(data_dir)
    headers = {"Authorization": f"Bearer {mint_token(key, role='official', subject='cli-import')}"}
    created = existing = 0
    errors: list[dict] = []
    conversions: list[dict] = []
    with (
        httpx.Client(base_url=registry_url, headers=headers, timeout=120) as client,
        Progress(console=console) as progress,
    ):
        task = progress.add_task(f"Nhập {kind}", total=len(rows))
        for start in range(0, len(rows), CHUNK):
            resp = client.post(
                f"/api/v1/imports/{kind}",
                json={"rows": rows[start : start + CHUNK], "row_numbers": sheet.numbers[start : start + CHUNK]},
            )
            if resp.status_code != 200:
                console.print(f"[red]{resp.status_code}: {resp.text}[/red]")
                raise typer.Exit(1)
            part = resp.json()
            created += part["created"]
            existing += part["existing"]
            errors += part["errors"]
            conversions += part.get("conversions", [])
            progress.advance(task, len(rows[start : start + CHUNK]))
    console.print(f"{len(rows)} dòng: {created} tạo mới, {existing} đã có, {len(errors)} lỗi")
    if report is not None and errors:
        report.write_bytes(error_report(report.suffix, dict(zip(sheet.numbers, rows, strict=True)), errors))
        console.print(f"Báo cáo lỗi: {report}")
    if conversions:
        pending = sum(c["status"] == "pending_choice" for c in conversions)
        console.print(f"{len(conversions)} địa chỉ chuyển sang đơn vị hiện nay ({pending} chờ cán bộ chọn xã/phường):")
        table = Table("Dòng", "Địa chỉ đã ghi", "Hiện nay", "Ghi chú")
        for c in conversions[:200]:
            note = "chờ chọn: " + ", ".join(x["name"] for x in c["candidates"]) if c["candidates"] else ""
            table.add_row(str(c["row"]), c["recorded"], c["current"], note)
        console.print(table)
    if errors:
        table = Table("Dòng", "Lỗi")
        for err in errors[:50]:
            table.add_row(str(err["row"]), "; ".join(err["errors"]))
        console.print(table)
        raise typer.Exit(1)


def error_report(suffix: str, rows: dict[int, dict], errors: list[dict]) -> bytes:
    """The rows in error as a spreadsheet (.xlsx) or CSV: what was in the file comes back, so every cell goes
    through the shared export writer (a hostile cell stays text)."""
    from ocop_shared.exports import csv_text, table_xlsx

    headers = sorted({k for err in errors for k in rows.get(err["row"], {})})
    columns = [("row", "Dòng"), ("errors", "Lỗi"), *((f"cell:{h}", h) for h in headers)]
    table = [
        {"row": err["row"], "errors": "; ".join(err["errors"])}
        | {f"cell:{h}": rows.get(err["row"], {}).get(h) for h in headers}
        for err in errors
    ]
    if suffix.lower() == ".csv":
        return csv_text([[label for _, label in columns], *([r.get(k) for k, _ in columns] for r in table)]).encode()
    return table_xlsx("Các dòng không nhập được", columns, table, sheet="Lỗi nhập")


keys_app = typer.Typer(help="Token signing keys (EdDSA): show and rotate", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("show")
def keys_show(data_dir: DataDir = Path(".ocop")) -> None:
    """The key ids: signing, next (published, signs after the next rotation), previous (still accepted)."""
    ring = signer(data_dir)
    console.print(f"signing  {ring.kid}")
    if ring.next is not None:
        console.print(f"next     {KeyRing(ring.next).kid}")
    for key in ring.previous:
        console.print(f"previous {kid_of(key)}")


@keys_app.command("rotate")
def keys_rotate(data_dir: DataDir = Path(".ocop")) -> None:
    """Rotate: the next key signs, the signing key stays published as previous, a new next key is made.
    Restart the registry; the other services already hold the new key (it was published as next)."""
    ring = KeyRing.rotate(key_dir(data_dir))
    console.print(f"signing key now {ring.kid}; restart the registry (tokens of the previous key stay valid)")


app.add_typer(migrate_app, name="migrate", no_args_is_help=True)

user_app = typer.Typer(help="Web console accounts", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="3–40 characters a-z 0-9 . _ -")],
    role: Annotated[str, typer.Option(help="official | producer | operator")],
    producer_id: Annotated[str | None, typer.Option("--producer-id", help="required for role producer")] = None,
    province: Annotated[list[str] | None, typer.Option(help="limit an official to these province codes")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="OCOP_NEW_USER_PASSWORD",
            help="12 to 128 characters",
        ),
    ] = "",
    replace: Annotated[bool, typer.Option("--replace", help="overwrite an existing account (new password)")] = False,
    registry_url: Annotated[str, typer.Option(help="registry base URL")] = "http://127.0.0.1:8001",
    data_dir: DataDir = Path(".ocop"),
) -> None:
    """Create a console account (the password is stored as an argon2 hash)."""
    import httpx

    key = signer(data_dir)
    headers = {"Authorization": f"Bearer {mint_token(key, role='operator', subject='cli-user')}"}
    resp = httpx.post(
        f"{registry_url}/api/v1/users",
        headers=headers,
        timeout=30,
        json={
            "username": username,
            "password": password,
            "role": role,
            "producer_id": producer_id,
            "provinces": list(province or ()),
            "display_name": name,
            "replace": replace,
        },
    )
    if resp.status_code != 201:
        try:
            message = resp.json()["error"]["message"]
        except (ValueError, KeyError):
            message = resp.text
        console.print(f"[red]{resp.status_code}: {message}[/red]")
        raise typer.Exit(1)
    console.print(
        f"Đã tạo tài khoản [bold]{resp.json()['username']}[/bold] ({role}). Đăng nhập: {registry_url}/console/login"
    )


dlq_app = typer.Typer(help="Dead-letter topics: show and replay", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
Bootstrap = Annotated[str, typer.Option(help="Kafka bootstrap servers", envvar="OCOP_KAFKA_BOOTSTRAP")]
DlqTopic = Annotated[
    str,
    typer.Option(help="topic whose dead letters to use (ocop.registry.v1, ocop.traceability.v1, ocop.marketplace.v1)"),
]


@dlq_app.command("show")
def dlq_show(topic: DlqTopic = "ocop.registry.v1", bootstrap: Bootstrap = "127.0.0.1:9092") -> None:
    """List the dead letters of a topic: reason, consumer, origin, error."""
    import asyncio

    from ocop_cli import dlq

    async def run():
        letters, consumer = await dlq.read(bootstrap, f"{topic}.dlq")
        await consumer.stop()
        return letters

    letters = asyncio.run(run())
    table = Table(title=f"{topic}.dlq — {len(letters)} dead letter(s)")
    for column in ("at", "reason", "consumer", "origin", "error", "bytes"):
        table.add_column(column)
    for letter in letters:
        h = letter.headers
        table.add_row(
            f"{letter.partition}@{letter.offset}",
            letter.reason,
            letter.consumer,
            h.get("x-dlq-origin", ""),
            h.get("x-dlq-error", "")[:80],
            str(len(letter.value)),
        )
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    topic: DlqTopic = "ocop.registry.v1",
    bootstrap: Bootstrap = "127.0.0.1:9092",
    reason: Annotated[str | None, typer.Option(help="only dead letters with this x-dlq-reason")] = None,
    consumer: Annotated[str | None, typer.Option(help="only those a given consumer group set aside")] = None,
    from_start: Annotated[bool, typer.Option("--from-start", help="also those replayed before")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count, publish nothing")] = False,
) -> None:
    """Re-publish dead letters to their topic once the cause is fixed (consumers skip what they applied)."""
    import asyncio

    from ocop_cli import dlq

    replayed, skipped = asyncio.run(
        dlq.replay(
            bootstrap, f"{topic}.dlq", reason=reason, consumer_name=consumer, from_start=from_start, dry_run=dry_run
        )
    )
    verb = "would replay" if dry_run else "replayed"
    console.print(f"{verb} {replayed} dead letter(s) to {topic}; {skipped} left aside by the filters")


stamps_app = typer.Typer(help="QR traceability stamps", no_args_is_help=True)
app.add_typer(stamps_app, name="stamps")


@stamps_app.command("issue")
def stamps_issue(
    batch: Annotated[str, typer.Option(help="batch id")],
    count: Annotated[int, typer.Option(help="number of stamps")],
    producer_id: Annotated[str | None, typer.Option("--producer-id", help="act as this producer")] = None,
    out: Annotated[Path, typer.Option(help="folder for sheet.pdf and codes.csv")] = Path("."),
    traceability_url: Annotated[str, typer.Option(help="traceability base URL")] = "http://127.0.0.1:8002",
    data_dir: DataDir = Path(".ocop"),
) -> None:
    """Order a stamp run, follow its progress, download the print sheet (PDF) and the codes (CSV)."""
    import httpx

    key = signer(data_dir)
    role = "producer" if producer_id else "official"
    headers = {"Authorization": f"Bearer {mint_token(key, role=role, producer_id=producer_id, subject='cli-stamps')}"}
    with httpx.Client(base_url=traceability_url, headers=headers, timeout=120) as client:
        resp = client.post(f"/api/v1/batches/{batch}/stamp-runs", json={"count": count})
        if resp.status_code != 202:
            console.print(f"[red]{resp.status_code}: {resp.json().get('error', {}).get('message', resp.text)}[/red]")
            raise typer.Exit(1)
        run = resp.json()
        with Progress(console=console) as progress:
            generated = progress.add_task("Sinh mã tem", total=count)
            rendered = progress.add_task("Dàn trang PDF", total=count)
            while True:
                status = client.get(f"/api/v1/stamp-runs/{run['id']}").json()
                progress.update(generated, completed=status["generated"])
                progress.update(rendered, completed=status["rendered"])
                if status["status"] in ("ready", "failed"):
                    break
                time.sleep(0.5)
        if status["status"] == "failed":
            console.print(f"[red]Đợt in tem lỗi: {status.get('error')}[/red]")
            raise typer.Exit(1)
        out.mkdir(parents=True, exist_ok=True)
        for name in ("sheet.pdf", "codes.csv"):
            target = out / f"{run['id']}-{name}"
            with client.stream("GET", f"/api/v1/stamp-runs/{run['id']}/{name}") as stream, target.open("wb") as fh:
                for chunk in stream.iter_bytes():
                    fh.write(chunk)
            console.print(f"Đã tải {target}")
    console.print(f"{count} tem, {status.get('pages')} trang A4.")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def test(
    ctx: typer.Context,
    no_lint: Annotated[
        bool, typer.Option("--no-lint", help="skip ruff and mypy (quick local runs; CI runs them)")
    ] = False,
) -> None:
    """Run the linters (ruff, mypy), then the whole test suite (extra arguments go to pytest). Fails if a linter
    fails or no test ran; warns when browser tests were skipped for want of chromium."""
    started = time.monotonic()
    if not no_lint:
        failed = testing.run_linters(ROOT, console)
        if failed:
            console.print(testing.lint_failure(failed))
            raise typer.Exit(1)
    with tempfile.TemporaryDirectory(prefix="ocop-test-") as tmp:
        skips_file = Path(tmp) / "browser-skips.json"
        env = {**os.environ, testing.BROWSER_SKIPS_ENV: str(skips_file)}
        code = subprocess.call([sys.executable, "-m", "pytest", "-p", testing.PLUGIN, *ctx.args], cwd=ROOT, env=env)
        skips = testing.read_browser_skips(skips_file)
    if code == 5:
        console.print("[red]no test ran: that is a failure[/red]")
        code = 1
    if skips:
        console.print(testing.browser_skip_warning(skips))
    console.print(f"tests finished in {time.monotonic() - started:.0f}s with exit code {code}")
    raise typer.Exit(code)


if __name__ == "__main__":
    app()
