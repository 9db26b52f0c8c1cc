"""Who may do what in the registry, built on the one scope rule of ``ocop_shared.auth``.

- Officials and operators (``STAFF``) write; a producer reads its own records and changes none of them
  (recognised records are the council's and the committee's, not the producer's).
- An official scoped to provinces reaches only producers there (``Principal.reaches``).
- Records the caller may not see answer 404 (another producer's ids stay unknown); an official who may not
  change a record of another province gets 403.

The API and the console gate whole routes early with the same role sets; the use cases check every record.
"""

from __future__ import annotations

from ocop_registry.domain.errors import ForbiddenRole, OutOfScope, ProducerNotFound
from ocop_registry.domain.producer import Producer
from ocop_shared.auth import Principal
from ocop_shared.errors import NotFound

STAFF = ("official", "operator")
EVERYONE = ("official", "operator", "producer")
# The scheduled jobs of the service itself (the expiry job) act as an operator.
SYSTEM = Principal(subject="registry", role="operator")


def require_staff(principal: Principal) -> None:
    if principal.role not in STAFF:
        raise ForbiddenRole(f"Vai trò '{principal.role}' không được phép / role not allowed")


def may_see(principal: Principal, producer: Producer) -> bool:
    return principal.reaches(producer.id, producer.province_code)


def readable(principal: Principal, producer: Producer | None, hidden: NotFound | None = None) -> Producer:
    """The producer whose records the caller asks for, if it may see them; else ``hidden`` (a 404)."""
    if producer is None or not may_see(principal, producer):
        raise hidden or ProducerNotFound()
    return producer


def writable(principal: Principal, producer: Producer | None, hidden: NotFound | None = None) -> Producer:
    """The producer whose records the caller changes, if it may: 404 for another producer's records, 403 for
    an official outside their provinces or a producer changing its own."""
    if producer is None or not principal.owns(producer.id):
        raise hidden or ProducerNotFound()
    if not principal.covers(producer.province_code):
        raise OutOfScope()
    if principal.role not in STAFF:
        raise ForbiddenRole("Chủ thể không được tự sửa hồ sơ đã công nhận; liên hệ cán bộ")
    return producer


def may_register_in(principal: Principal, province_code: str | None) -> None:
    """A new producer: staff only, and a scoped official only in their provinces."""
    require_staff(principal)
    if not principal.covers(province_code):
        raise OutOfScope("Cán bộ chỉ được đăng ký chủ thể trong tỉnh mình phụ trách")


def may_move_to(principal: Principal, province_code: str | None) -> None:
    """A corrected producer stays within the official's provinces."""
    if not principal.covers(province_code):
        raise OutOfScope("Cán bộ chỉ được chuyển chủ thể vào tỉnh mình phụ trách")


def may_create_account(principal: Principal, role: str) -> None:
    """Operators create any account; an official only producer accounts (of producers it may change) and
    council-member accounts (the experts of the councils it forms)."""
    require_staff(principal)
    if principal.role == "official" and role not in ("producer", "council_member"):
        raise ForbiddenRole("Cán bộ chỉ tạo được tài khoản chủ thể và thành viên hội đồng")


def require_operator(principal: Principal) -> None:
    if principal.role != "operator":
        raise ForbiddenRole(f"Vai trò '{principal.role}' không được phép / role not allowed")
