"""STAND-IN for the national traceability portal (truyxuatnguongoc.gov.vn) — SIMULATED, not the real portal.

The portal's integration API is not public. This server imitates what integrations seen in the wild do, so
the sync can be built and tested against something that refuses and fails like the real one:

- ``POST /sso/connect/token``: client credentials → a bearer token (``OCOP_PORTAL_TOKEN_TTL_S``, default 300 s);
- ``POST /api/v1/ToChuc``: an organisation by tax code (or GLN), one per code → ``idToChucHoSo``; activated at
  once when ``OCOP_PORTAL_AUTO_ACTIVATE`` is true (default), else by ``POST /__admin/organisations/{id}/activate``
  (what the portal's staff do after checking the papers); ``GET /api/v1/ToChuc/{id}``;
- ``POST /api/v1/ToChuc_SanPham`` (``Idempotency-Key``), ``PUT``/``GET``/``DELETE …/{idSanPham}``: products,
  validated field by field (422: a name, a GTIN with a correct check digit, at least one image at a public
  https URL, a net quantity above 0 with its unit; 409 while the organisation is not activated);
- ``POST /api/v1/ToChuc_SanPham/{idSanPham}/SuKien``: a trace event (stage, product and location trace codes,
  time), one per ``maSuKien``;
- faults for every API call (``OCOP_STANDIN_FAILURE_RATE``, ``_TIMEOUT_RATE``, ``_RATE_LIMIT`` … or
  ``POST /__admin/faults``): 5xx, hangs, 429 + ``Retry-After``;
- ``GET /__inspect/products``: what a citizen would see on the portal — each product, its producer
  (name and public address), its stages with their location codes; ``GET /__inspect/organisations``.

State lives in memory, or in ``OCOP_STANDIN_STATE_FILE`` (``ocop up`` keeps it under its data dir).
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Form, Header, Request
from fastapi.responses import JSONResponse

from ocop_national_sync.domain.readiness import gtin_valid, public_url
from ocop_shared.standins import Refused, Store, error, install

ACTIVE, WAITING = "DA_KICH_HOAT", "CHO_KICH_HOAT"
PUBLISHED, WITHDRAWN = "CONG_BO", "THU_HOI"
STAGES = ("THU_HOACH", "CHE_BIEN", "DONG_GOI", "VAN_CHUYEN", "PHAN_PHOI", "KIEM_TRA")
UNITS = ("g", "kg", "mg", "tấn", "ml", "l")


@dataclass
class PortalStore(Store):
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    creates: int = 0  # product creates answered (a repeated Idempotency-Key is not one)
    replays: int = 0  # creates answered with the first one's product (the key was seen: a retry after a failure)
    event_replays: int = 0  # events sent again (their maSuKien was held already)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.state_file and self.state_file.exists():
            self.organisations = json.loads(self.state_file.read_text()).get("organisations", {})

    def save(self) -> None:
        if self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            state = {"products": self.products, "idempotency": self.idempotency, "organisations": self.organisations}
            tmp.write_text(json.dumps(state, ensure_ascii=False))
            os.replace(tmp, self.state_file)


def _text(v: Any, most: int = 300) -> bool:
    return isinstance(v, str) and 0 < len(v.strip()) <= most


def product_errors(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "phải là một đối tượng JSON"}
    out: dict[str, str] = {}
    if not _text(body.get("tenSanPham")):
        out["tenSanPham"] = "bắt buộc (1–300 ký tự)"
    gtin = body.get("gtin")
    if not (isinstance(gtin, str) and gtin_valid(gtin)):
        out["gtin"] = "GTIN-8/12/13/14 với số kiểm tra đúng"
    images = body.get("hinhAnh")
    if not (isinstance(images, list) and images and all(isinstance(u, str) and public_url(u) for u in images)):
        out["hinhAnh"] = "ít nhất một ảnh, mỗi ảnh một địa chỉ https công khai"
    weight = body.get("khoiLuongTinh")
    if not (isinstance(weight, int | float) and not isinstance(weight, bool) and weight > 0):
        out["khoiLuongTinh"] = "số lớn hơn 0"
    if body.get("donViKhoiLuong") not in UNITS:
        out["donViKhoiLuong"] = f"một trong {', '.join(UNITS)}"
    if not _text(body.get("idToChucHoSo"), 64):
        out["idToChucHoSo"] = "bắt buộc"
    return out


def event_errors(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "phải là một đối tượng JSON"}
    out: dict[str, str] = {}
    if not _text(body.get("maSuKien"), 200):
        out["maSuKien"] = "bắt buộc"
    if body.get("congDoan") not in STAGES:
        out["congDoan"] = f"một trong {', '.join(STAGES)}"
    if not _text(body.get("maTruyXuatSanPham"), 500):
        out["maTruyXuatSanPham"] = "bắt buộc (TCVN 13274:2020)"
    location = body.get("maTruyXuatDiaDiem")
    if location is not None and not _text(location, 500):
        out["maTruyXuatDiaDiem"] = "chuỗi 1–500 ký tự"
    try:
        datetime.fromisoformat(str(body.get("thoiGian")))
    except ValueError:
        out["thoiGian"] = "thời điểm ISO 8601"
    return out


def create_app() -> FastAPI:
    app = FastAPI(title="national traceability portal stand-in (SIMULATED, NOT truyxuatnguongoc.gov.vn)")
    store = PortalStore("national_portal")
    install(app, store)
    app.state.store = store
    client_id = os.environ.get("OCOP_NATIONAL_PORTAL_CLIENT_ID", "ocop-dev")
    client_secret = os.environ.get("OCOP_NATIONAL_PORTAL_CLIENT_SECRET", "portal-dev-secret")
    settings = {
        "auto_activate": os.environ.get("OCOP_PORTAL_AUTO_ACTIVATE", "true").lower() in ("1", "true", "yes"),
        "token_ttl_s": float(os.environ.get("OCOP_PORTAL_TOKEN_TTL_S", "300")),
    }
    app.state.settings = settings
    tokens: dict[str, float] = {}
    app.state.tokens = tokens

    @app.post("/sso/connect/token")
    async def token(
        grant_type: str = Form(...),
        client_id_: str = Form(..., alias="client_id"),
        client_secret_: str = Form(..., alias="client_secret"),
    ):
        if grant_type != "client_credentials" or (client_id_, client_secret_) != (client_id, client_secret):
            return error(401, "invalid_client", "Sai thông tin ứng dụng (client id / secret)")
        tok = secrets.token_urlsafe(24)
        tokens[tok] = time.monotonic() + settings["token_ttl_s"]
        return {"access_token": tok, "token_type": "Bearer", "expires_in": settings["token_ttl_s"]}

    def authorize(authorization: str | None) -> None:
        tok = (authorization or "").removeprefix("Bearer ").strip()
        if tokens.get(tok, 0) <= time.monotonic():
            raise Refused(error(401, "unauthorized", "Thiếu hoặc hết hạn mã truy cập"))

    async def body_of(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    def organisation_view(org_id: str) -> dict[str, Any]:
        return {"idToChucHoSo": org_id, **store.organisations[org_id]}

    @app.post("/api/v1/ToChuc")
    async def register_organisation(request: Request, authorization: str | None = Header(None)):
        authorize(authorization)
        body = await body_of(request)
        if not isinstance(body, dict):
            return error(422, "validation_failed", "Dữ liệu tổ chức không hợp lệ", {"body": "đối tượng JSON"})
        code = body.get("maSoThue") or body.get("gln")
        fields = {}
        if not _text(code, 20):
            fields["maSoThue"] = "mã số thuế hoặc GLN bắt buộc"
        if not _text(body.get("tenToChuc")):
            fields["tenToChuc"] = "bắt buộc"
        if fields:
            return error(422, "validation_failed", "Dữ liệu tổ chức không hợp lệ", fields)
        for org_id, org in store.organisations.items():
            if org["maDinhDanh"] == code:  # one organisation per tax code / GLN
                return organisation_view(org_id)
        org_id = f"TC-{uuid.uuid4().hex[:10]}"
        store.organisations[org_id] = {
            "maDinhDanh": code,
            "tenToChuc": body["tenToChuc"],
            "tenGiaoDich": body.get("tenGiaoDich") or body["tenToChuc"],
            "diaChi": body.get("diaChi") or "",
            "trangThai": ACTIVE if settings["auto_activate"] else WAITING,
        }
        return JSONResponse(organisation_view(org_id), status_code=201)

    @app.get("/api/v1/ToChuc/{org_id}")
    async def get_organisation(org_id: str, authorization: str | None = Header(None)):
        authorize(authorization)
        if org_id not in store.organisations:
            return error(404, "not_found", "Không có tổ chức này")
        return organisation_view(org_id)

    def product_view(product_id: str) -> dict[str, Any]:
        return {"idSanPham": product_id, **store.products[product_id]}

    def refused_product(body: Any) -> JSONResponse | None:
        if fields := product_errors(body):
            return error(422, "validation_failed", "Dữ liệu sản phẩm không hợp lệ", fields)
        org = store.organisations.get(body["idToChucHoSo"])
        if org is None:
            return error(422, "validation_failed", "Dữ liệu sản phẩm không hợp lệ", {"idToChucHoSo": "không tồn tại"})
        if org["trangThai"] != ACTIVE:
            return error(409, "organisation_not_active", "Tổ chức chưa được kích hoạt trên Cổng")
        return None

    def stored(body: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
        org = store.organisations[body["idToChucHoSo"]]
        producer = {"tenToChuc": org["tenGiaoDich"], "diaChi": org["diaChi"]}
        return {**body, "toChuc": producer, "trangThai": PUBLISHED, "congDoan": events}

    @app.post("/api/v1/ToChuc_SanPham", status_code=201)
    async def create_product(
        request: Request, authorization: str | None = Header(None), idempotency_key: str | None = Header(None)
    ):
        authorize(authorization)
        if idempotency_key and idempotency_key in store.idempotency:
            store.replays += 1
            return product_view(store.idempotency[idempotency_key])  # a repeated create answers the first one
        body = await body_of(request)
        if refused := refused_product(body):
            return refused
        product_id = f"SP-{uuid.uuid4().hex[:12]}"
        store.products[product_id] = stored(body, [])
        store.creates += 1
        if idempotency_key:
            store.idempotency[idempotency_key] = product_id
        return product_view(product_id)

    @app.put("/api/v1/ToChuc_SanPham/{product_id}")
    async def update_product(product_id: str, request: Request, authorization: str | None = Header(None)):
        authorize(authorization)
        if product_id not in store.products:
            return error(404, "not_found", "Không có sản phẩm này")
        body = await body_of(request)
        if refused := refused_product(body):
            return refused
        store.products[product_id] = stored(body, store.products[product_id]["congDoan"])
        return product_view(product_id)

    @app.get("/api/v1/ToChuc_SanPham/{product_id}")
    async def get_product(product_id: str, authorization: str | None = Header(None)):
        authorize(authorization)
        if product_id not in store.products:
            return error(404, "not_found", "Không có sản phẩm này")
        return product_view(product_id)

    @app.delete("/api/v1/ToChuc_SanPham/{product_id}")
    async def withdraw_product(product_id: str, authorization: str | None = Header(None), lyDo: str = ""):
        authorize(authorization)
        if product_id not in store.products:
            return error(404, "not_found", "Không có sản phẩm này")
        store.products[product_id] |= {"trangThai": WITHDRAWN, "lyDoThuHoi": lyDo[:200]}
        return product_view(product_id)

    @app.post("/api/v1/ToChuc_SanPham/{product_id}/SuKien")
    async def add_event(product_id: str, request: Request, authorization: str | None = Header(None)):
        authorize(authorization)
        if product_id not in store.products:
            return error(404, "not_found", "Không có sản phẩm này")
        body = await body_of(request)
        if fields := event_errors(body):
            return error(422, "validation_failed", "Dữ liệu sự kiện không hợp lệ", fields)
        events = store.products[product_id]["congDoan"]
        for event in events:
            if event["maSuKien"] == body["maSuKien"]:
                store.event_replays += 1
                return event  # one event per maSuKien
        event = {
            k: body.get(k)
            for k in (
                "maSuKien",
                "congDoan",
                "thoiGian",
                "maTruyXuatSanPham",
                "maTruyXuatDiaDiem",
                "maDiaDiem",
                "tenDiaDiem",
                "soLo",
            )
        }
        events.append(event)
        return JSONResponse(event, status_code=201)

    @app.get("/__inspect/organisations", tags=["stand-in admin"], summary="The organisations the portal holds")
    async def inspect_organisations() -> list[dict]:
        return [organisation_view(k) for k in store.organisations]

    @app.post("/__admin/organisations/{org_id}/activate", tags=["stand-in admin"], summary="Activate an organisation")
    async def activate(org_id: str):
        if org_id not in store.organisations:
            return error(404, "not_found", "Không có tổ chức này")
        store.organisations[org_id]["trangThai"] = ACTIVE
        store.save()
        return organisation_view(org_id)

    @app.post("/__admin/settings", tags=["stand-in admin"], summary="auto_activate, token_ttl_s")
    async def set_settings(request: Request):
        body = await body_of(request)
        if not isinstance(body, dict):
            return error(422, "validation_failed", "đối tượng JSON")
        if "auto_activate" in body:
            settings["auto_activate"] = bool(body["auto_activate"])
        if "token_ttl_s" in body:
            settings["token_ttl_s"] = max(0.1, float(body["token_ttl_s"]))
        return settings

    return app
