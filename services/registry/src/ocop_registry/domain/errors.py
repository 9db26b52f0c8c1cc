"""Named refusals of the registry (each maps to its 4xx in one place: ``ocop_shared.web``).

Each is one line on ``ocop_shared.errors.Refusal``: status from its base, code from its name (unless ``code=``
says otherwise), ``text`` its Vietnamese message, so a use case says ``raise AlreadyCertified()``.
"""

from __future__ import annotations

from ocop_shared.errors import Conflict, DomainError, Forbidden, NotFound, Refusal
from ocop_shared.errors import OutOfScope as OutOfScope  # the scope rule's refusal, the same in every service


class ProducerNotFound(Refusal, NotFound, text="Không tìm thấy chủ thể"): ...


class ProductNotFound(Refusal, NotFound, text="Không tìm thấy sản phẩm"): ...


class EvaluationNotFound(Refusal, NotFound, text="Không tìm thấy kết quả đánh giá"): ...


class CertificateNotFound(Refusal, NotFound, text="Không tìm thấy giấy chứng nhận"): ...


class ForbiddenRole(Refusal, Forbidden, text="Vai trò này không được phép thao tác"): ...


class NotRecognised(
    Refusal, DomainError, code="stars_below_ocop", text="Chỉ sản phẩm từ 3★ mới được công nhận OCOP"
): ...


class LevelCannotAward(Refusal, DomainError, text="Hội đồng cấp này không được công nhận hạng sao đó"): ...


class EvaluationUsed(Refusal, Conflict, text="Kết quả đánh giá này đã được dùng để cấp giấy chứng nhận"): ...


class AlreadyCertified(
    Refusal,
    Conflict,
    text="Sản phẩm đang có giấy chứng nhận còn hiệu lực: dùng gia hạn (renew) hoặc nâng hạng (upgrade)",
): ...


class NotAnUpgrade(Refusal, DomainError, text="Nâng hạng cần nhiều sao hơn giấy chứng nhận hiện tại"): ...


class EvaluationOfOtherProduct(Refusal, DomainError, text="Kết quả đánh giá thuộc sản phẩm khác"): ...


class PlanNotFound(Refusal, NotFound, text="Không tìm thấy kế hoạch"): ...
