"""Unit tests of traceability: app/ against an in-memory unit of work (``traceability_fakes``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the fakes module beside the tests (pytest's importlib mode)

from traceability_fakes import FakeUnitOfWork, world


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return world()
