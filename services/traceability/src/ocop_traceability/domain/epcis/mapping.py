"""Our records as EPCIS 2.0 events (pure): a batch's trail events and stamp activations and voids.

The mapping (README "EPCIS 2.0", the table is the one documented there):

| trail / stamps | event, action | bizStep | disposition | where (readPoint / bizLocation) |
|---|---|---|---|---|
| harvesting (thu hoạch), the lot's first | ObjectEvent ADD | commissioning | active | growing area / growing area |
| harvesting, a later one | ObjectEvent ADD | creating_class_instance | active | growing area / growing area |
| processing (chế biến) | ObjectEvent OBSERVE | ``ocop:`` extension (below) | in_progress | house, else area |
| packing (đóng gói) | ObjectEvent OBSERVE | packing | in_progress | house, else area (both) |
| shipping (xuất hàng) | ObjectEvent OBSERVE | shipping | in_transit | origin (readPoint only: in transit) |
| receiving (nhận hàng) | ObjectEvent OBSERVE | receiving | in_progress | — (the free-text place: ``ocop:place``) |
| inspection (kiểm tra) | ObjectEvent OBSERVE | inspecting | — (no outcome recorded) | house, else area |
| stamps activated | ObjectEvent ADD | commissioning | active | house, else area |
| active stamps voided | ObjectEvent DELETE | decommissioning | inactive | house, else area |

"house, else area": the batch's packing house when it names one, else its growing area; processing is
``<base>/epcis/ns/bizstep/processing``. CBV 2.0 has no harvesting step; its own definition of
``commissioning`` names "harvesting (of fruit/vegetable)", so that is the step. What: the lot as a class
(``quantityList`` with the lot's ``epcClass``; the quantity and unit on the lot's commissioning), the stamps
as instances (``epcList``, in events of at most ``EPCS_PER_EVENT``) or, for changes larger than a configured
limit, the lot class with the number of stamps. ``certificationInfo``: the OCOP certificate in force at the
event's date and the growing area's numbered certifications (VietGAP…) valid then. Free text goes in ``ocop:``
extensions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ocop_traceability.domain.batches import Batch, TrailEvent, TrailEventKind
from ocop_traceability.domain.copies import ProductCopy
from ocop_traceability.domain.epcis.ids import Minting
from ocop_traceability.domain.epcis.vocab import BIZ_STEP_NAMES, uom_of
from ocop_traceability.domain.places import GrowingArea, PackingHouse
from ocop_traceability.domain.stamps import StampRun

VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no daylight saving time
EPCS_PER_EVENT = 1000  # stamps per activation event (≈70 kB, hashed in ≈0.1 s)


@dataclass(frozen=True)
class Places:
    """Where a batch's events happen: its growing area and (optional) packing house."""

    area: GrowingArea | None
    house: PackingHouse | None

    def uri(self, m: Minting, which: str) -> str | None:
        if which == "area" and self.area:
            return m.place("growing-area", self.area.code, self.area.gln)
        if which == "house" and self.house:
            return m.place("packing-house", self.house.code, self.house.gln)
        return None

    def works(self, m: Minting) -> str | None:
        """The packing house when the batch names one, else the growing area."""
        return self.uri(m, "house") or self.uri(m, "area")


def event_time(moment: datetime) -> tuple[str, str]:
    """``eventTime`` with milliseconds and ``eventTimeZoneOffset``; a time without offset is Vietnam's."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return moment.isoformat(timespec="milliseconds"), text


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def certifications(m: Minting, product: ProductCopy | None, area: GrowingArea | None, day: date) -> list[str]:
    """The OCOP certificate in force on ``day`` and the area's numbered certifications valid then."""
    found = []
    cert = product.certificate if product else None
    if cert and cert.status == "active" and cert.issued_on <= day <= cert.valid_until:
        found.append(m.certificate(cert.certificate_id))
    for c in area.certifications if area else []:
        if (
            c.number
            and (c.valid_from is None or c.valid_from <= day)
            and (c.valid_until is None or day <= c.valid_until)
        ):
            found.append(m.area_certificate(c.scheme, c.number))
    return found


def _base(moment: datetime, certs: list[str]) -> dict[str, Any]:
    when, offset = event_time(moment)
    event: dict[str, Any] = {"type": "ObjectEvent", "eventTime": when, "eventTimeZoneOffset": offset}
    if certs:
        event["certificationInfo"] = certs
    return event


def _where(event: dict[str, Any], read_point: str | None, biz_location: str | None) -> None:
    if read_point:
        event["readPoint"] = {"id": read_point}
    if biz_location:
        event["bizLocation"] = {"id": biz_location}


def trail_event(
    m: Minting,
    ev: TrailEvent,
    batch: Batch,
    product: ProductCopy | None,
    places: Places,
    *,
    first_harvest: bool,
) -> dict[str, Any]:
    """The EPCIS event of one trail event (see the module's table)."""
    if ev.type == "other":
        raise ValueError("a captured trail line is an EPCIS event already")
    gtin = product.gtin if product else None
    lot = m.lot_class(batch.product_id, batch.lot, gtin)
    day = (ev.time if ev.time.tzinfo else ev.time.replace(tzinfo=VIETNAM)).astimezone(VIETNAM).date()
    event = _base(ev.time, certifications(m, product, places.area, day))
    quantity: dict[str, Any] = {"epcClass": lot}
    area, works = places.uri(m, "area"), places.works(m)
    if ev.type == "harvesting":
        event["action"] = "ADD"
        event["bizStep"] = "commissioning" if first_harvest else "creating_class_instance"
        event["disposition"] = "active"
        if first_harvest:
            quantity["quantity"] = batch.quantity
            uom = uom_of(batch.unit)
            if uom:
                quantity["uom"] = uom
        _where(event, area, area)
        event["ilmd"] = {
            "ocop:harvestDate": batch.harvest_date.isoformat(),
            "ocop:growingArea": batch.growing_area_code,
        }
    else:
        event["action"] = "OBSERVE"
        step, disposition, read_point, biz_location = {
            "processing": (m.processing_step, "in_progress", works, None),
            "packing": ("packing", "in_progress", works, works),
            "shipping": ("shipping", "in_transit", works, None),
            "receiving": ("receiving", "in_progress", None, None),
            "inspection": ("inspecting", None, works, None),
        }[ev.type]
        event["bizStep"] = step
        if disposition:
            event["disposition"] = disposition
        _where(event, read_point, biz_location)
    event["quantityList"] = [quantity]
    if "quantity" in quantity and "uom" not in quantity:
        event["ocop:unit"] = _text(batch.unit)
    event["ocop:batch"] = m.batch(batch.id)
    event["ocop:trailEvent"] = ev.id
    event["ocop:trailType"] = ev.type
    event["ocop:place"] = _text(ev.place)
    if ev.note.strip():
        event["ocop:note"] = _text(ev.note)
    return _ordered(event)


_FIELD_ORDER = [
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "certificationInfo",
    "epcList",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "quantityList",
    "ilmd",
]


def _ordered(event: dict[str, Any]) -> dict[str, Any]:
    """The fields in the order people read them (the hash does not depend on it)."""
    head = {k: event[k] for k in _FIELD_ORDER if k in event}
    return head | {k: v for k, v in event.items() if k not in head}


def stamp_events(
    m: Minting,
    run: StampRun,
    batch: Batch | None,
    product: ProductCopy | None,
    places: Places,
    serials: list[str],
    at: datetime,
    *,
    activate: bool,
    list_limit: int,
) -> list[dict[str, Any]]:
    """Stamps activated (ADD commissioning) or active stamps voided (DELETE decommissioning): the stamps'
    URIs in events of at most ``EPCS_PER_EVENT``, or above ``list_limit`` stamps one event with the lot
    class and their number (a large run loses serial-level queries but stays one event)."""
    if not serials:
        return []
    product_id, lot = run.product_id, run.lot
    certs = certifications(m, product, places.area, at.astimezone(VIETNAM).date())
    where = places.works(m)

    def one(what: dict[str, Any]) -> dict[str, Any]:
        event = _base(at, certs)
        event.update(what)
        event["action"] = "ADD" if activate else "DELETE"
        event["bizStep"] = "commissioning" if activate else "decommissioning"
        event["disposition"] = "active" if activate else "inactive"
        _where(event, where, where if activate else None)
        event["ocop:stampRun"] = m.stamp_run(run.id)
        if batch:
            event["ocop:batch"] = m.batch(batch.id)
        return _ordered(event)

    if len(serials) > list_limit:
        quantity = {"epcClass": m.lot_class(product_id, lot, run.gtin), "quantity": len(serials), "uom": "H87"}
        return [one({"quantityList": [quantity]})]
    return [
        one({"epcList": [m.stamp(s, run.gtin) for s in serials[i : i + EPCS_PER_EVENT]]})
        for i in range(0, len(serials), EPCS_PER_EVENT)
    ]


# -- events captured from outside, as a line of a batch's trail --------------------------------------------
_TRAIL_OF_STEP: dict[str, TrailEventKind] = {
    "shipping": "shipping",
    "departing": "shipping",
    "receiving": "receiving",
    "arriving": "receiving",
    "accepting": "receiving",
    "packing": "packing",
    "repackaging": "packing",
    "inspecting": "inspection",
    "sampling": "inspection",
}


def trail_kind(biz_step: str | None, processing_step: str) -> tuple[TrailEventKind, str]:
    """(trail type, Vietnamese description) of a captured event: the trail's own step where one fits, else
    ``other`` with the business step's name."""
    if biz_step == processing_step:
        return "processing", "Chế biến"
    kind = _TRAIL_OF_STEP.get(biz_step or "", "other")
    name = BIZ_STEP_NAMES.get(biz_step or "", biz_step or "sự kiện")
    return kind, name[:1].upper() + name[1:]
