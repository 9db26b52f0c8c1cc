"""Our minted URIs resolve to what they name (``GET`` on them, no login): a place, an OCOP certificate, a
batch, the ``ocop:`` vocabulary — public facts only (what the scan page and the public map show)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlencode

from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.epcis.ids import Minting
from ocop_traceability.domain.epcis.vocab import EPCIS_CONTEXT

TERMS = {
    "batch": "the batch (lô) an event is about: a URI of ours",
    "trailEvent": "the id of the trail event an event records",
    "trailType": "its step on the trail: harvesting, processing, packing, shipping, receiving, inspection",
    "place": "the place as the producer wrote it",
    "note": "the producer's note",
    "unit": "the batch's unit when it has no UN/ECE code",
    "stampRun": "the stamp run (đợt in tem) of activated or voided stamps",
    "harvestDate": "ilmd: the lot's harvest date",
    "growingArea": "ilmd: the code of the growing area (mã số vùng trồng)",
    "bizstep/processing": "business step: processing (sơ chế, chế biến), which CBV 2.0 does not have",
}


async def describe(path: str, uow: TraceabilityUow, m: Minting) -> dict[str, Any] | None:
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if parts[:1] != ["epcis"]:
        return None
    rest = parts[1:]
    context = [EPCIS_CONTEXT, {"ocop": m.namespace}]
    if rest[:1] == ["ns"]:
        return {"@context": context, "id": m.namespace, "terms": {f"ocop:{k}": v for k, v in TERMS.items()}}
    if len(rest) == 3 and rest[0] == "loc" and rest[1] in ("growing-area", "packing-house"):
        code = rest[2].upper()
        place = await (uow.growing_areas if rest[1] == "growing-area" else uow.packing_houses).get(code)
        if place is None:
            return None
        out: dict[str, Any] = {
            "@context": context,
            "id": m.place(rest[1], place.code),  # type: ignore[arg-type]
            "type": "gs1:Place",
            "kind": rest[1],
            "code": place.code,
            "name": place.name,
            "province": place.province.name,
            "commune": place.commune.name if place.commune else None,
        }
        if place.gln:
            out["gln"] = place.gln
        feature = getattr(place, "feature", None)
        if feature:
            out["geometry"] = feature()["geometry"]
            out["crop"] = feature()["properties"]["crop"]
        return out
    if len(rest) == 3 and rest[:2] == ["cert", "ocop"]:
        found = await uow.epcis_lookups.certificate(rest[2])
        if found is None:
            return None
        product, cert = found
        return {
            "@context": context,
            "id": m.certificate(rest[2]),
            "type": "gs1:CertificationDetails",
            "certificationStandard": "OCOP (Quyết định 148/QĐ-TTg)",
            "certificationAgency": "Hội đồng đánh giá, phân hạng sản phẩm OCOP",
            "certificationValue": f"{cert.get('stars')}★",
            "certificationIdentification": cert.get("decision_no"),
            "certificationStartDate": cert.get("issued_on"),
            "certificationEndDate": cert.get("valid_until"),
            "certificationStatus": cert.get("status"),
            "product": product,
        }
    if len(rest) == 2 and rest[0] == "batch":
        batch = await uow.batches.get(rest[1])
        if batch is None:
            return None
        copy = await uow.products.get(batch.product_id)
        lot_class = m.lot_class(batch.product_id, batch.lot, copy.gtin if copy else None)
        return {
            "@context": context,
            "id": m.batch(batch.id),
            "lot": batch.lot,
            "harvestDate": batch.harvest_date.isoformat(),
            "product": copy.name if copy else None,
            "producer": copy.producer_public_name if copy else None,
            "growingArea": m.place("growing-area", batch.growing_area_code),
            "events": "/epcis/events?" + urlencode({"MATCH_anyEPCClass": lot_class}),
        }
    return None
