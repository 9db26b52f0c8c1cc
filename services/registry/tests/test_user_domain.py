"""Password rules of console accounts (OWASP ASVS 2.1.1, 2.1.2, 2.1.4, 2.1.9): length only, 12 to 128."""

from __future__ import annotations

import pytest

from ocop_registry.domain.user import MAX_PASSWORD, MIN_PASSWORD, check_password
from ocop_shared.errors import DomainError


@pytest.mark.parametrize(
    "password",
    [
        "x" * MIN_PASSWORD,
        "x" * MAX_PASSWORD,
        "chè Tân Cương ngon",  # spaces and diacritics
        "🍵🍵🍵 trà xanh 2026",  # emoji
        "tất cả chữ thường không số",  # no composition rule
    ],
)
def test_accepted(password):
    check_password(password)


@pytest.mark.parametrize(
    ("password", "message"),
    [("x" * (MIN_PASSWORD - 1), "ít nhất 12 ký tự"), ("x" * (MAX_PASSWORD + 1), "tối đa 128 ký tự"), ("", "ít nhất")],
)
def test_refused(password, message):
    with pytest.raises(DomainError, match=message):
        check_password(password)
