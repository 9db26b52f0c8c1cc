"""``ocop test``: linters before pytest (a failure stops the run with a clear message, ``--no-lint`` skips them),
and a warning block after pytest when browser tests were skipped because chromium is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocop_cli import main, testing


def test_plugin_notes_the_tests_skipped_for_want_of_chromium(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_module_skip.py").write_text(
        "import pytest\npytest.skip('chromium is not installed (apt-get install chromium)', allow_module_level=True)\n"
    )
    (tmp_path / "test_other.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.skipif(True, reason='Chromium missing')\ndef test_in_browser():\n    pass\n\n"
        "def test_gpu():\n    pytest.skip('needs a GPU')\n\n"
        "def test_runs():\n    pass\n"
    )
    target = tmp_path / "skips.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            testing.PLUGIN,
            "-p",
            "no:cacheprovider",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        env={**os.environ, testing.BROWSER_SKIPS_ENV: str(target)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    noted = {s["nodeid"]: s["reason"] for s in json.loads(target.read_text())}
    assert noted == {
        "test_module_skip.py": "chromium is not installed (apt-get install chromium)",
        "test_other.py::test_in_browser": "Chromium missing",
    }


class FakeRuns:
    """Stands in for subprocess.call: linters answer ``lint_codes``; pytest writes ``skips`` to the plugin's file."""

    def __init__(self, lint_codes: dict[str, int] | None = None, skips: list[str] = (), pytest_code: int = 0):
        self.lint_codes = lint_codes or {}
        self.skips = list(skips)
        self.pytest_code = pytest_code
        self.calls: list[list[str]] = []

    def __call__(self, argv, cwd=None, env=None):
        self.calls.append(list(argv))
        if argv[1:3] == ["-m", "pytest"]:
            Path(env[testing.BROWSER_SKIPS_ENV]).write_text(
                json.dumps([{"nodeid": n, "reason": "chromium"} for n in self.skips])
            )
            return self.pytest_code
        return self.lint_codes.get(Path(argv[0]).name, 0)

    @property
    def tools(self) -> list[str]:
        return [Path(c[0]).name for c in self.calls if c[1:3] != ["-m", "pytest"]]

    @property
    def pytest_argv(self) -> list[str] | None:
        return next((c for c in self.calls if c[1:3] == ["-m", "pytest"]), None)


def invoke(monkeypatch, runs: FakeRuns, *args: str):
    monkeypatch.setattr(subprocess, "call", runs)  # the linters are real files in .venv/bin, not run
    return CliRunner().invoke(main.app, ["test", *args])


def test_linters_run_first_and_pytest_gets_the_arguments(monkeypatch):
    runs = FakeRuns()
    result = invoke(monkeypatch, runs, "-x", "tests/integration/test_marketplace.py")
    assert result.exit_code == 0, result.output
    assert runs.tools == ["ruff", "ruff", "mypy"]
    assert runs.calls[0][1:] == ["check", "."] and runs.calls[1][1:] == ["format", "--check", "."]
    assert runs.pytest_argv is not None
    assert runs.pytest_argv[3:] == ["-p", testing.PLUGIN, "-x", "tests/integration/test_marketplace.py"]
    assert "Browser tests skipped" not in result.output


def test_a_failing_linter_stops_the_run_with_a_clear_message(monkeypatch):
    runs = FakeRuns(lint_codes={"mypy": 1})
    result = invoke(monkeypatch, runs)
    assert result.exit_code == 1
    assert runs.tools == ["ruff", "ruff", "mypy"] and runs.pytest_argv is None  # every linter ran, pytest not
    assert "Lint failed" in result.output and "mypy" in result.output and "--no-lint" in result.output


def test_no_lint_skips_the_linters(monkeypatch):
    runs = FakeRuns(lint_codes={"ruff": 1})
    result = invoke(monkeypatch, runs, "--no-lint", "-q")
    assert result.exit_code == 0 and runs.tools == [] and runs.pytest_argv is not None
    assert "--no-lint" not in runs.pytest_argv and "-q" in runs.pytest_argv


@pytest.mark.parametrize("pytest_code", [0, 1])
def test_skipped_browser_tests_get_a_warning_block(monkeypatch, pytest_code):
    skipped = ["tests/integration/test_scan_browser.py", "tests/integration/test_console_browser.py"]
    runs = FakeRuns(skips=skipped, pytest_code=pytest_code)
    result = invoke(monkeypatch, runs, "--no-lint")
    assert result.exit_code == pytest_code
    assert "Browser tests skipped" in result.output and "apt-get install chromium" in result.output
    assert all(Path(node).name in result.output for node in skipped)


def test_no_test_ran_is_a_failure(monkeypatch):
    result = invoke(monkeypatch, FakeRuns(pytest_code=5), "--no-lint")
    assert result.exit_code == 1 and "no test ran" in result.output
