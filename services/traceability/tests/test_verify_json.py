"""The verify JSON of the hot path (the batch's parts rendered once per batch and language) says exactly what
``localized`` says, scan after scan and after the batch's parts change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from ocop_shared.i18n import CATALOGUE
from ocop_traceability.api.scan import localized, verify_json
from ocop_traceability.app.scan_view import BatchParts, public_view, unknown_view
from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.stamps import Stamp


def _parts(place: str) -> BatchParts:
    batch = Batch(
        id="b",
        product_id="p",
        producer_id="pr",
        growing_area_code="VN-19-063-02020-001",
        harvest_date=date(2026, 10, 28),
        quantity=50,
        unit="kg",
        lot="L1",
        created_at=datetime(2026, 10, 28, tzinfo=UTC),
    )
    event = TrailEvent(
        id="e",
        batch_id="b",
        type="packing",
        time="2026-10-29T07:00:00+07:00",
        place=place,
        recorded_at=batch.created_at,
    )
    return BatchParts(batch, None, None, None, [event], [])


def _stamp(count: int) -> Stamp:
    return Stamp(
        id="ABCDEFGHJK2345",
        run_id="r",
        batch_id="b",
        product_id="p",
        producer_id="pr",
        seq=1,
        url="https://t.example/S/ABCDEFGHJK2345",
        state="active",
        scan_count=count,
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_hot_path_json_is_the_localized_view(lang: str) -> None:
    t = CATALOGUE.translator(lang)
    parts = _parts("Xưởng chè Tân Cương")
    for count in (1, 2, 3):  # the second and third scans use the rendered parts
        view = public_view(_stamp(count), parts, date(2026, 11, 1), clone_reason=None, scans={"count": count})
        assert json.loads(verify_json(view, t)) == localized(view, t)
    other = CATALOGUE.translator("en" if lang == "vi" else "vi")  # the same parts in the other language
    assert json.loads(verify_json(view, other)) == localized(view, other) != localized(view, t)
    changed = _parts("Kho Đồng Hỷ")  # the cache reloaded the batch: new objects, new JSON
    view = public_view(_stamp(4), changed, date(2026, 11, 1), clone_reason=None, scans={"count": 4})
    body = json.loads(verify_json(view, t))
    assert body == localized(view, t) and body["events"][0]["place"] == "Kho Đồng Hỷ"
    assert json.loads(verify_json(unknown_view(), t)) == localized(unknown_view(), t)
