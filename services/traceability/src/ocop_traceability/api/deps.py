"""What every traceability router depends on: the caller and the unit of work (and the runtime)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ocop_shared.auth import Principal, require
from ocop_traceability.runtime import RuntimeDep, UowDep

Actor = Annotated[Principal, Depends(require("official", "operator", "producer"))]

__all__ = ["Actor", "RuntimeDep", "UowDep"]
