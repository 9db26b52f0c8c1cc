"""Unit tests of traceability: app/ against an in-memory unit of work (``traceability_fakes``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load_fakes():
    """The fakes module beside the tests, importable by name (pytest's importlib mode puts no test folder on
    sys.path, and putting this one there would shadow the root conftest)."""
    if "traceability_fakes" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "traceability_fakes", Path(__file__).with_name("traceability_fakes.py")
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["traceability_fakes"] = module
        spec.loader.exec_module(module)
    return sys.modules["traceability_fakes"]


fakes = _load_fakes()


@pytest.fixture
def uow():
    return fakes.world()
