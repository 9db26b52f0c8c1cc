"""Console accounts over the API (``ocop user add`` and the demo loader use it)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ocop_registry.api.deps import producer_for, runtime
from ocop_registry.app.users import create_user, public_user
from ocop_shared.auth import Principal, require
from ocop_shared.errors import Forbidden

router = APIRouter(tags=["users"])


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=8, max_length=200)
    role: Literal["official", "producer", "operator"]
    producer_id: str | None = Field(default=None, max_length=64)
    provinces: list[str] = Field(default_factory=list, max_length=70)
    display_name: str | None = Field(default=None, max_length=200)
    replace: bool = False


@router.post("/users", status_code=201, summary="Create a console account (argon2-hashed password)")
async def add_user(body: UserIn, request: Request,
                   principal: Annotated[Principal, Depends(require("official", "operator"))]) -> dict:
    # Operators create any account; an official only producer accounts of producers in their scope.
    if principal.role == "official":
        if body.role != "producer":
            raise Forbidden("forbidden_role", "Cán bộ chỉ tạo được tài khoản chủ thể")
        if body.producer_id:
            await producer_for(request, principal, body.producer_id, write=True)
    return await create_user(runtime(request).db, username=body.username, password=body.password, role=body.role,
                             producer_id=body.producer_id, provinces=tuple(body.provinces),
                             display_name=body.display_name, replace=body.replace)


@router.get("/users", summary="Console accounts (operators)")
async def list_users(request: Request, _principal: Annotated[Principal, Depends(require("operator"))]) -> list[dict]:
    return [public_user(d) async for d in runtime(request).db.users.find({}).sort("_id", 1)]
