"""Console accounts over the API (``ocop user add`` and the demo loader use it)."""

from __future__ import annotations

from fastapi import APIRouter

from ocop_registry.api.deps import Operator, RuntimeDep, Staff
from ocop_registry.app import users
from ocop_registry.app.commands import CreateUser
from ocop_registry.app.inputs import UserIn

router = APIRouter(tags=["users"])


@router.post("/users", status_code=201, summary="Create a console account (argon2-hashed password)")
async def add_user(body: UserIn, rt: RuntimeDep, principal: Staff) -> dict:
    # Operators create any account; an official only producer accounts of producers in their scope.
    return await users.create_user(CreateUser(body), principal, rt.uow())


@router.get("/users", summary="Console accounts (operators)")
async def list_users(rt: RuntimeDep, principal: Operator) -> list[dict]:
    return await users.list_users(principal, rt.uow())
