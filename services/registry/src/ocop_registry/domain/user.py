"""Console accounts (người dùng): username, password hash, role, producer and province scope."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ocop_shared.auth import ROLES, Principal
from ocop_shared.errors import DomainError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
# OWASP ASVS 2.1.1/2.1.2: at least 12 characters, up to 128 (any character; no composition rules)
MIN_PASSWORD, MAX_PASSWORD = 12, 128


def normalize_username(username: str) -> str:
    return username.strip().lower()


def check_account(username: str, role: str, password: str) -> None:
    """The rules of a new account (the username is already normalised)."""
    if not USERNAME.match(username):
        raise DomainError("invalid_username", "Tên đăng nhập gồm 3–40 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới")
    if role not in ROLES:
        raise DomainError("invalid_role", f"Vai trò phải là một trong {', '.join(ROLES)}")
    check_password(password, "Mật khẩu")


def check_password(password: str, label: str = "Mật khẩu mới") -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", f"{label} cần ít nhất {MIN_PASSWORD} ký tự")
    if len(password) > MAX_PASSWORD:
        raise DomainError("weak_password", f"{label} dài tối đa {MAX_PASSWORD} ký tự")


class User(BaseModel):
    id: str  # the username
    password_hash: str
    role: str
    producer_id: str | None = None
    provinces: list[str] = Field(default_factory=list)
    display_name: str | None = None
    created_at: datetime
    disabled: str = "no"  # a string: the embedded server reads a stored True back as 1
    password_changed_at: str | None = None

    def principal(self) -> Principal:
        return Principal(subject=self.id, role=self.role, producer_id=self.producer_id, provinces=tuple(self.provinces))

    def public(self) -> dict[str, Any]:
        """What the API and a session show of an account (never the hash)."""
        return {
            "username": self.id,
            "role": self.role,
            "producer_id": self.producer_id,
            "provinces": list(self.provinces),
            "display_name": self.display_name or self.id,
        }
