"""EPCIS 2.0 / CBV 2.0 vocabulary: event types, business steps, dispositions (bare words, as GS1's JSON-LD
context defines them), their Vietnamese names, and the units of measure of our batches (UN/ECE Rec 20)."""

from __future__ import annotations

import unicodedata

CBV = "https://ref.gs1.org/cbv/"
VOC = "https://gs1.org/voc/"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Contexts a captured document may name (never fetched): the normative 2.0.0 URL and the older one the REST
# bindings' examples use. Both define the same terms.
KNOWN_CONTEXTS = frozenset({EPCIS_CONTEXT, "https://gs1.github.io/EPCIS/epcis-context.jsonld"})
EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")

BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
BTT = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SDT = frozenset({"location", "owning_party", "possessing_party"})

# Vietnamese names of the business steps a consumer may meet on a scan page (others show their CBV word).
BIZ_STEP_NAMES: dict[str, str] = {
    "accepting": "tiếp nhận",
    "arriving": "đến nơi",
    "commissioning": "gán mã, đưa vào sử dụng",
    "creating_class_instance": "tạo thêm sản phẩm của lô",
    "decommissioning": "huỷ mã",
    "departing": "rời đi",
    "destroying": "tiêu huỷ",
    "holding": "tạm giữ",
    "inspecting": "kiểm tra",
    "loading": "xếp hàng lên xe",
    "packing": "đóng gói",
    "picking": "soạn hàng",
    "receiving": "nhận hàng",
    "repackaging": "đóng gói lại",
    "retail_selling": "bán lẻ",
    "sampling": "lấy mẫu",
    "shipping": "xuất hàng",
    "stocking": "lên kệ",
    "storing": "lưu kho",
    "transporting": "vận chuyển",
    "unloading": "dỡ hàng",
    "unpacking": "mở kiện",
}


def cbv_bare(value: str) -> str:
    """A CBV value as the bare word the JSON-LD context uses: ``https://ref.gs1.org/cbv/BizStep-shipping``
    and ``urn:epcglobal:cbv:bizstep:shipping`` become ``shipping``; anything else is kept."""
    for web, urn in (("BizStep-", "bizstep:"), ("Disp-", "disp:")):
        if value.startswith(CBV + web):
            return value[len(CBV + web) :]
        if value.startswith("urn:epcglobal:cbv:" + urn):
            return value[len("urn:epcglobal:cbv:" + urn) :]
    return value


# The free-text unit of a batch → UN/ECE Recommendation 20 code (the schema wants ^[A-Z0-9]{2,3}$).
# Count units (a box, a bottle, a fruit…) are pieces, H87.
_UNITS = {
    "kg": "KGM",
    "kilogram": "KGM",
    "ký": "KGM",
    "cân": "KGM",
    "g": "GRM",
    "gam": "GRM",
    "gram": "GRM",
    "tấn": "TNE",
    "t": "TNE",
    "lít": "LTR",
    "lit": "LTR",
    "l": "LTR",
    "ml": "MLT",
    "hộp": "H87",
    "chai": "H87",
    "gói": "H87",
    "túi": "H87",
    "cái": "H87",
    "quả": "H87",
    "hũ": "H87",
    "lọ": "H87",
    "bó": "H87",
    "thùng": "H87",
    "bao": "H87",
    "con": "H87",
}


def uom_of(unit: str) -> str | None:
    """The UN/ECE code of a batch's unit, or None (then the quantity carries ``ocop:unit`` instead)."""
    word = unicodedata.normalize("NFC", unit).strip().lower().split(" ")[0] if unit.strip() else ""
    return _UNITS.get(word)
