"""Named refusals of traceability (mapped to 4xx in one place, ``ocop_shared.web.install_error_handlers``).
A 404 also hides records the caller may not see.

Each is one line on ``ocop_shared.errors.Refusal``: status from its base, code from its name, ``text`` its
Vietnamese message.
"""

from __future__ import annotations

from ocop_shared.errors import Conflict, DomainError, Forbidden, NotFound, Refusal
from ocop_shared.errors import OutOfScope as OutOfScope  # the scope rule's refusal, the same in every service


class ProducerNotFound(Refusal, NotFound, text="Chưa có chủ thể này (đăng ký ở registry trước)"): ...


class ProductNotFound(Refusal, NotFound, text="Không tìm thấy sản phẩm (hoặc sản phẩm không thuộc chủ thể này)"): ...


class GrowingAreaNotFound(Refusal, NotFound, text="Không tìm thấy vùng trồng"): ...


class PackingHouseNotFound(Refusal, NotFound, text="Không tìm thấy cơ sở đóng gói của chủ thể này"): ...


class BatchNotFound(Refusal, NotFound, text="Không tìm thấy lô hàng"): ...


class StampRunNotFound(Refusal, NotFound, text="Không tìm thấy đợt in tem"): ...


class NotYourProducer(Refusal, Forbidden, text="Chỉ được đăng ký cho chủ thể của mình"): ...


class ForeignArea(Refusal, DomainError, text="Vùng trồng thuộc chủ thể khác với chủ thể của sản phẩm"): ...


class CountOutOfRange(Refusal, DomainError): ...  # the message says the allowed range


class BadRange(Refusal, text="Số thứ tự đầu phải nhỏ hơn hoặc bằng số thứ tự cuối"): ...  # 400


class DuplicateLot(Refusal, Conflict, text="Không sinh được mã lô mới"): ...  # a given lot: "Sản phẩm đã có lô …"


class NotReady(Refusal, Conflict): ...  # the message says the run's status
