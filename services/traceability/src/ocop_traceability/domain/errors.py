"""Named refusals of traceability (mapped to 4xx in one place, ``ocop_shared.web.install_error_handlers``).
A 404 also hides records the caller may not see.

Each is one line: its status comes from its base (NotFound 404, Forbidden 403, Conflict 409, DomainError 422,
else 400), its code is its name in snake_case (``ProducerNotFound`` → ``producer_not_found``) and ``text`` is
its Vietnamese message, which a raise site may replace with a more precise one.
"""

from __future__ import annotations

import re
from typing import Any

from ocop_shared.errors import AppError, Conflict, DomainError, Forbidden, NotFound


class Refusal(AppError):
    text = ""

    def __init_subclass__(cls, text: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        cls.text = text

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.code, message or self.text)


class ProducerNotFound(Refusal, NotFound, text="Chưa có chủ thể này (đăng ký ở registry trước)"): ...


class ProductNotFound(Refusal, NotFound, text="Không tìm thấy sản phẩm (hoặc sản phẩm không thuộc chủ thể này)"): ...


class GrowingAreaNotFound(Refusal, NotFound, text="Không tìm thấy vùng trồng"): ...


class PackingHouseNotFound(Refusal, NotFound, text="Không tìm thấy cơ sở đóng gói của chủ thể này"): ...


class BatchNotFound(Refusal, NotFound, text="Không tìm thấy lô hàng"): ...


class StampRunNotFound(Refusal, NotFound, text="Không tìm thấy đợt in tem"): ...


class NotYourProducer(Refusal, Forbidden, text="Chỉ được đăng ký cho chủ thể của mình"): ...


class OutOfScope(Refusal, Forbidden, text="Cán bộ chỉ thao tác với chủ thể trong tỉnh mình phụ trách"): ...


class ForeignArea(Refusal, DomainError, text="Vùng trồng thuộc chủ thể khác với chủ thể của sản phẩm"): ...


class CountOutOfRange(Refusal, DomainError): ...  # the message says the allowed range


class BadRange(Refusal, text="Số thứ tự đầu phải nhỏ hơn hoặc bằng số thứ tự cuối"): ...  # 400


class DuplicateLot(Refusal, Conflict, text="Không sinh được mã lô mới"): ...  # a given lot: "Sản phẩm đã có lô …"


class NotReady(Refusal, Conflict): ...  # the message says the run's status
