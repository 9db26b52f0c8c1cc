"""What the routes take from a request: the runtime and the caller, gated by role as ``app/policy`` says
(the use cases check every record the caller touches)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ocop_registry.app.policy import EVERYONE, STAFF
from ocop_registry.runtime import RuntimeDep
from ocop_shared.auth import Principal, require

Staff = Annotated[Principal, Depends(require(*STAFF))]
Reader = Annotated[Principal, Depends(require(*EVERYONE))]
Operator = Annotated[Principal, Depends(require("operator"))]

__all__ = ["Operator", "Reader", "RuntimeDep", "Staff"]
