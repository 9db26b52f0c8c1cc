"""EPCIS refusals, answered as RFC 7807 ``application/problem+json`` with the REST bindings' exception types
(``epcisException:…``). Deliberately not the ``{"error": …}`` shape of the rest of our API: EPCIS clients
(OpenEPCIS, FasTnT, GS1's test tools) read these."""

from __future__ import annotations

from typing import Any


class EpcisError(Exception):
    kind = "ImplementationException"
    status = 500
    title = "Lỗi hệ thống"

    def __init__(self, detail: str = "", *, headers: dict[str, str] | None = None, instance: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        self.instance = instance

    @property
    def type(self) -> str:
        return f"epcisException:{self.kind}"

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.instance:
            body["instance"] = self.instance
        return body


class ValidationException(EpcisError):
    kind, status, title = "ValidationException", 400, "Tài liệu EPCIS không hợp lệ"


class QueryParameterException(EpcisError):
    kind, status, title = "QueryParameterException", 400, "Tham số truy vấn không hợp lệ"


class QueryValidationException(EpcisError):
    kind, status, title = "QueryValidationException", 400, "Truy vấn không hợp lệ"


class SubscriptionControlsException(EpcisError):
    kind, status, title = "SubscriptionControlsException", 400, "Đăng ký nhận sự kiện không hợp lệ"


class SubscribeNotPermittedException(EpcisError):
    kind, status, title = "SubscriptionControlsException", 400, "Không được đăng ký tới địa chỉ này"


class UnauthorizedException(EpcisError):
    kind, status, title = "SecurityException", 401, "Cần đăng nhập (bearer token)"


class SecurityException(EpcisError):
    kind, status, title = "SecurityException", 403, "Không có quyền"


class NoSuchResourceException(EpcisError):
    # the bindings' schema enumerates NoSuchNameException for 404 (its example says NoSuchResourceException)
    kind, status, title = "NoSuchNameException", 404, "Không tìm thấy"


class MethodNotAllowedException(EpcisError):
    kind, status, title = "ImplementationException", 405, "Phương thức không được hỗ trợ"


class NotAcceptableException(EpcisError):
    kind, status, title = "NotAcceptableException", 406, "Phiên bản EPCIS/CBV không được hỗ trợ"


class ResourceAlreadyExistsException(EpcisError):
    kind, status, title = "ResourceAlreadyExistsException", 409, "Đã tồn tại"


class CaptureLimitExceededException(EpcisError):
    kind, status, title = "CaptureLimitExceededException", 413, "Tài liệu vượt giới hạn tiếp nhận"


class QueryTooLargeException(EpcisError):
    kind, status, title = "QueryTooLargeException", 413, "Kết quả truy vấn quá lớn"


class UnsupportedMediaTypeException(EpcisError):
    kind, status, title = "UnsupportedMediaTypeException", 415, "Kiểu nội dung không được hỗ trợ (cần application/json)"


class UriTooLongException(EpcisError):
    kind, status, title = "URITooLongException", 414, "Địa chỉ truy vấn quá dài"


class NotImplementedException(EpcisError):
    kind, status, title = "ImplementationException", 501, "Chưa hỗ trợ"
