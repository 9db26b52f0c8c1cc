"""Named refusals of the registry (each maps to its 4xx in one place: ``ocop_shared.web``).

Each error carries its code and its Vietnamese message, so a use case says ``raise AlreadyCertified()``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocop_shared.errors import AppError, Conflict, DomainError, Forbidden, NotFound


class _Said(AppError):
    """An error with a fixed code and a default message (a use case may give a more precise one)."""

    says: ClassVar[str] = ""

    def __init__(self, message: str = "", details: Any = None) -> None:
        super().__init__(None, message or self.says, details)


class ProducerNotFound(_Said, NotFound):
    code, says = "producer_not_found", "Không tìm thấy chủ thể"


class ProductNotFound(_Said, NotFound):
    code, says = "product_not_found", "Không tìm thấy sản phẩm"


class EvaluationNotFound(_Said, NotFound):
    code, says = "evaluation_not_found", "Không tìm thấy kết quả đánh giá"


class CertificateNotFound(_Said, NotFound):
    code, says = "certificate_not_found", "Không tìm thấy giấy chứng nhận"


class OutOfScope(_Said, Forbidden):
    code, says = "out_of_scope", "Cán bộ chỉ thao tác với chủ thể trong tỉnh mình phụ trách"


class ForbiddenRole(_Said, Forbidden):
    code, says = "forbidden_role", "Vai trò này không được phép thao tác"


class NotRecognised(_Said, DomainError):
    code, says = "stars_below_ocop", "Chỉ sản phẩm từ 3★ mới được công nhận OCOP"


class LevelCannotAward(_Said, DomainError):
    code, says = "level_cannot_award", "Hội đồng cấp này không được công nhận hạng sao đó"


class EvaluationUsed(_Said, Conflict):
    code, says = "evaluation_used", "Kết quả đánh giá này đã được dùng để cấp giấy chứng nhận"


class AlreadyCertified(_Said, Conflict):
    code, says = (
        "already_certified",
        "Sản phẩm đang có giấy chứng nhận còn hiệu lực: dùng gia hạn (renew) hoặc nâng hạng (upgrade)",
    )


class NotAnUpgrade(_Said, DomainError):
    code, says = "not_an_upgrade", "Nâng hạng cần nhiều sao hơn giấy chứng nhận hiện tại"


class EvaluationOfOtherProduct(_Said, DomainError):
    code, says = "evaluation_of_other_product", "Kết quả đánh giá thuộc sản phẩm khác"
