"""What ``ocop test`` runs around pytest: the linters first (ruff check, ruff format --check, mypy, all from the
project's .venv and configured in the root pyproject), and afterwards a warning block when browser tests were
skipped because chromium is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from ocop_cli.browser_skips import ENV as BROWSER_SKIPS_ENV

__all__ = ["BROWSER_SKIPS_ENV", "PLUGIN", "browser_skip_warning", "lint_failure", "read_browser_skips", "run_linters"]

PLUGIN = "ocop_cli.browser_skips"
LINTERS: tuple[tuple[str, list[str]], ...] = (
    ("ruff check", ["ruff", "check", "."]),
    ("ruff format --check", ["ruff", "format", "--check", "."]),
    ("mypy", ["mypy"]),  # the files to check are listed in pyproject [tool.mypy]
)


def venv_tool(name: str) -> Path:
    """A console script next to the interpreter running the CLI (``.venv/bin`` when started by ./ocop)."""
    return Path(sys.executable).with_name(name)


def run_linters(root: Path, console: Console) -> list[str]:
    """Run every linter (all of them, so one run shows every problem); returns the names of those that failed."""
    failed = []
    for title, (tool, *args) in LINTERS:
        console.rule(f"[bold]{title}")
        exe = venv_tool(tool)
        if not exe.exists():
            console.print(f"[red]{exe} not found: the dev dependency group is not installed in .venv[/red]")
            failed.append(title)
        elif subprocess.call([str(exe), *args], cwd=root) != 0:
            failed.append(title)
    return failed


def lint_failure(failed: list[str]) -> Panel:
    return Panel(
        f"[bold]{', '.join(failed)}[/bold] reported problems (see above); the tests did not run.\n"
        "Fix them (`.venv/bin/ruff check --fix .` and `.venv/bin/ruff format .` repair many), "
        "or skip the linters for a quick local run: `./ocop test --no-lint …` (CI always runs them).",
        title="Lint failed",
        border_style="red",
        expand=False,
    )


def read_browser_skips(path: Path) -> list[dict[str, str]]:
    try:
        return list(json.loads(path.read_text()))
    except (OSError, ValueError):
        return []  # pytest stopped before writing it (e.g. a usage error): nothing to report


def browser_skip_warning(skips: list[dict[str, str]]) -> Panel:
    lines = "\n".join(f"  • {s['nodeid']}" for s in skips)
    return Panel(
        f"These browser tests were [bold]skipped[/bold] because chromium is not installed:\n{lines}\n\n"
        "They check the scan page and the console journeys in a real browser.\n"
        "Install Debian's chromium, then run the tests again:\n"
        "  sudo apt-get install chromium\n"
        ".ci/run installs it when it is missing; under CI (CI set) a missing chromium fails the run.",
        title="Browser tests skipped",
        border_style="yellow",
        expand=False,
    )
