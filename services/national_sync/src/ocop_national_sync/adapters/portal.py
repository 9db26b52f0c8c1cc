"""Adapter of the ``Portal`` port for the national traceability portal's integration API.

The real API (truyxuatnguongoc.gov.vn) is not public: the shapes here follow what integrations seen in the
wild use — an SSO token from client credentials, organisation and product resources (``ToChuc``,
``ToChuc_SanPham``, ids ``idToChucHoSo`` / ``idSanPham``) — and our stand-in (``ocop_national_sync.standin``)
serves exactly these. When the real specification is published, this file is what changes.

Token: fetched with the client id and secret, refreshed before it expires (at 80 % of its lifetime, and
again at once when the portal answers 401). Every call is retried on network errors, timeouts, 5xx and 429
with exponential backoff and jitter, never sooner than ``Retry-After`` (tenacity); a 4xx is a
:class:`PortalError` with the portal's reason (the record fails and goes to the DLQ).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ocop_national_sync.domain.portal import PortalError
from ocop_national_sync.domain.record import Organisation, PortalRecord, Stage

TOKEN_PATH = "/sso/connect/token"
ORGANISATIONS = "/api/v1/ToChuc"
PRODUCTS = "/api/v1/ToChuc_SanPham"
ACTIVE = "DA_KICH_HOAT"
STAGE_NAMES = {  # the portal's stage codes (công đoạn)
    "harvesting": "THU_HOACH",
    "processing": "CHE_BIEN",
    "packing": "DONG_GOI",
    "shipping": "VAN_CHUYEN",
    "receiving": "PHAN_PHOI",
    "inspection": "KIEM_TRA",
}


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError) or (isinstance(exc, PortalError) and exc.retryable)


def _wait_at_least_retry_after(initial: float, maximum: float):
    backoff = wait_exponential_jitter(multiplier=initial, max=maximum)

    def wait(state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        floor = exc.retry_after if isinstance(exc, PortalError) and exc.retry_after else 0.0
        return max(backoff(state), floor)

    return wait


def refusal(response: httpx.Response) -> PortalError | None:
    if response.status_code < 400:
        return None
    try:
        error = response.json().get("error", {})
        reason = str(error.get("message", "")) + (f" {error['fields']}" if error.get("fields") else "")
    except (ValueError, AttributeError):
        reason = response.text[:300]
    after = response.headers.get("Retry-After", "")
    return PortalError(
        response.status_code,
        reason or response.reason_phrase,
        retryable=response.status_code in (401, 408, 429) or response.status_code >= 500,
        retry_after=float(after) if after.isdigit() else None,
    )


class PortalAdapter:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        attempts: int = 6,
        timeout_s: float = 5.0,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s, transport=transport)
        self.attempts = attempts
        self.wait = _wait_at_least_retry_after(backoff_initial_s, backoff_max_s)
        self._token: tuple[str, float] | None = None  # the access token and when to fetch the next one
        self.tokens_fetched = 0

    async def close(self) -> None:
        await self.http.aclose()

    async def _bearer(self) -> str:
        if self._token is None or self._token[1] <= time.monotonic():
            r = await self.http.post(
                TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
            )
            if error := refusal(r):
                raise error
            body = r.json()
            lifetime = float(body["expires_in"]) if body.get("expires_in") is not None else 300.0
            self._token = (body["access_token"], time.monotonic() + lifetime * 0.8)  # refreshed before expiry
            self.tokens_fetched += 1
        return self._token[0]

    async def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.attempts), wait=self.wait, retry=retry_if_exception(_transient), reraise=True
        ):
            with attempt:
                auth = {"Authorization": f"Bearer {await self._bearer()}"}
                response = await self.http.request(method, path, headers={**(headers or {}), **auth}, **kwargs)
                if response.status_code == 401:
                    self._token = None  # revoked or expired early: the retry fetches a new one
                if error := refusal(response):
                    raise error
                return response
        raise AssertionError("unreachable")

    async def register_organisation(self, organisation: Organisation) -> tuple[str, bool]:
        body = {
            "maSoThue": organisation.tax_code,
            "tenToChuc": organisation.name,
            "tenGiaoDich": organisation.public_name,
            "loaiHinh": organisation.kind,
            "diaChi": organisation.address,
            "tinhThanh": {"ma": organisation.province.get("code"), "ten": organisation.province.get("name")},
            "maThamChieu": organisation.id,
        }
        answer = (await self.call("POST", ORGANISATIONS, json=body)).json()
        return str(answer["idToChucHoSo"]), answer.get("trangThai") == ACTIVE

    async def organisation_active(self, portal_id: str) -> bool:
        return (await self.call("GET", f"{ORGANISATIONS}/{portal_id}")).json().get("trangThai") == ACTIVE

    @staticmethod
    def product_body(record: PortalRecord, organisation: Organisation) -> dict[str, Any]:
        product, certificate, net = record.product or {}, record.certificate or {}, record.net
        gtin = str(product.get("gtin") or "")
        return {
            "idToChucHoSo": organisation.portal_id,
            "maThamChieu": record.id,
            "tenSanPham": product.get("name"),
            "gtin": gtin,
            "maTruyXuat": f"https://id.gs1.org/01/{gtin.zfill(14)}",
            "hinhAnh": list(product.get("images") or []),
            "khoiLuongTinh": net.value if net else None,
            "donViKhoiLuong": net.unit if net else None,
            "moTa": product.get("description", ""),
            "nhomSanPham": product.get("group"),
            "chungNhan": {
                "loai": "OCOP",
                "hangSao": certificate.get("stars"),
                "soQuyetDinh": certificate.get("decision_no"),
                "hieuLucDen": certificate.get("valid_until"),
            },
            "soTem": record.stamps,
        }

    async def upsert_product(self, record: PortalRecord, organisation: Organisation) -> str:
        body = self.product_body(record, organisation)
        if record.portal_id:
            try:
                r = await self.call("PUT", f"{PRODUCTS}/{record.portal_id}", json=body)
                return str(r.json()["idSanPham"])
            except PortalError as exc:
                if exc.status != 404:
                    raise  # 404: the portal lost it; create it again below
        r = await self.call("POST", PRODUCTS, json=body, headers={"Idempotency-Key": f"ocop-san-pham-{record.id}"})
        return str(r.json()["idSanPham"])

    async def add_event(self, portal_id: str, stage: Stage) -> None:
        body = {
            "maSuKien": stage.epcis_event_id,
            "congDoan": STAGE_NAMES.get(stage.stage, stage.stage.upper()),
            "thoiGian": stage.time.isoformat(),
            "maTruyXuatSanPham": stage.product_trace_code,
            "maTruyXuatDiaDiem": stage.location_trace_code,
            "maDiaDiem": stage.location_code,
            "tenDiaDiem": stage.location_name or stage.place,
            "soLo": stage.lot,
        }
        await self.call("POST", f"{PRODUCTS}/{portal_id}/SuKien", json=body)

    async def withdraw(self, portal_id: str, reason: str) -> None:
        try:
            await self.call("DELETE", f"{PRODUCTS}/{portal_id}", params={"lyDo": reason[:200]})
        except PortalError as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise
