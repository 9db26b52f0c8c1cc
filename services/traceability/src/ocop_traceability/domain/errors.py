"""Named refusals of traceability, each with its code and Vietnamese message (mapped to 4xx in one place,
``ocop_shared.web.install_error_handlers``). A 404 also hides records the caller may not see."""

from __future__ import annotations

from ocop_shared.errors import AppError, Conflict, DomainError, Forbidden, NotFound


class Refusal(AppError):
    """An error whose message is part of its class; a raise site may give a more precise one."""

    text = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.code, message or self.text)


class ProducerNotFound(Refusal, NotFound):
    code = "producer_not_found"
    text = "Chưa có chủ thể này (đăng ký ở registry trước)"


class ProductNotFound(Refusal, NotFound):
    code = "product_not_found"
    text = "Không tìm thấy sản phẩm (hoặc sản phẩm không thuộc chủ thể này)"


class GrowingAreaNotFound(Refusal, NotFound):
    code = "growing_area_not_found"
    text = "Không tìm thấy vùng trồng"


class PackingHouseNotFound(Refusal, NotFound):
    code = "packing_house_not_found"
    text = "Không tìm thấy cơ sở đóng gói của chủ thể này"


class BatchNotFound(Refusal, NotFound):
    code = "batch_not_found"
    text = "Không tìm thấy lô hàng"


class StampRunNotFound(Refusal, NotFound):
    code = "stamp_run_not_found"
    text = "Không tìm thấy đợt in tem"


class NotYourProducer(Refusal, Forbidden):
    code = "not_your_producer"
    text = "Chỉ được đăng ký cho chủ thể của mình"


class OutOfScope(Refusal, Forbidden):
    code = "out_of_scope"
    text = "Cán bộ chỉ thao tác với chủ thể trong tỉnh mình phụ trách"


class ForeignArea(Refusal, DomainError):
    code = "foreign_area"
    text = "Vùng trồng thuộc chủ thể khác với chủ thể của sản phẩm"


class CountOutOfRange(Refusal, DomainError):
    code = "count_out_of_range"


class BadRange(Refusal):  # 400, as the console always answered it
    code = "bad_range"
    text = "Số thứ tự đầu phải nhỏ hơn hoặc bằng số thứ tự cuối"


class DuplicateLot(Refusal, Conflict):
    code = "duplicate_lot"
    text = "Không sinh được mã lô mới"


class NotReady(Refusal, Conflict):
    code = "not_ready"
