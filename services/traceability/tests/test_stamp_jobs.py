"""The stamp-run job (``StampRunJobs.produce``) with the in-memory unit of work and the real sheet files:
chunks stored in serial order, the sheet streamed from them, a restart resumes from what is stored, a
failure leaves no sheet in place. The sheet is read back by an independent decoder (zxing-cpp after
pypdfium2 rasterises it at 300 dpi). Also the bulk serials and the per-run QR encoder against the slow paths.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from ocop_traceability.adapters.bulkqr import SIDE, BulkEncoder, RunCodes, pack, unpack
from ocop_traceability.adapters.sheet_files import SheetFiles
from ocop_traceability.app import stamp_jobs
from ocop_traceability.app.stamp_jobs import StampRunJobs
from ocop_traceability.domain.codes import CROCKFORD, SERIAL_LENGTH, luhn32_check, new_serial, new_serials
from ocop_traceability.domain.stamps import StampRun, new_chunk, stamp_url

sys.path.append(str(Path(__file__).parent))
from traceability_fakes import FakeUnitOfWork, world

BASE = "https://trace.ocop.vn"


def decode_pdf(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(io.BytesIO(path.read_bytes()))
    found = []
    for page in doc:
        image = page.render(scale=300 / 72).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found


def _run(uow: FakeUnitOfWork, count: int, *, gtin: str | None = "8934567890120") -> StampRun:
    run = StampRun(
        id=f"run-{count}",
        batch_id="b",
        product_id="product-a",
        producer_id="producer-a",
        lot="261101-1",
        gtin=gtin,
        count=count,
    )
    uow.stamp_runs.items[run.id] = run
    return run


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return world()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamp_jobs, "CHUNK", 40)  # several chunks for a run a test can decode


async def test_a_run_is_stored_in_order_and_its_sheet_holds_every_stamp(uow, tmp_path, small_chunks) -> None:
    run = _run(uow, 130)
    sheets = SheetFiles(tmp_path)
    pages = await StampRunJobs(lambda: uow, sheets, BASE).produce(run)
    stamps = uow.stamps.of(run.id)
    assert [s.seq for s in stamps] == list(range(1, 131)) and len({s.id for s in stamps}) == 130
    assert all(s.url == stamp_url(BASE, s.id, gtin=run.gtin, lot=run.lot) for s in stamps)
    assert pages == 3 and uow.stamp_runs.items[run.id].pages == 3  # 48 labels a page
    assert sorted(decode_pdf(sheets.path(run.id))) == sorted(s.url for s in stamps)


async def test_a_restarted_run_keeps_what_was_stored_and_prints_it_all(uow, tmp_path, small_chunks) -> None:
    run = _run(uow, 100, gtin=None)
    await uow.stamps.insert_chunk(new_chunk(run, BASE, 1, 40))  # stored before the restart
    before = {s.id for s in uow.stamps.of(run.id)}
    run = run.model_copy(update={"generated": 40, "status": "generating"})
    sheets = SheetFiles(tmp_path)
    await StampRunJobs(lambda: uow, sheets, BASE).produce(run)
    stamps = uow.stamps.of(run.id)
    assert [s.seq for s in stamps] == list(range(1, 101))
    assert {s.id for s in stamps if s.seq <= 40} == before  # nothing stored was made again
    assert sorted(decode_pdf(sheets.path(run.id))) == sorted(s.url for s in stamps)


async def test_a_failed_store_leaves_no_sheet(uow, tmp_path, small_chunks, monkeypatch) -> None:
    run = _run(uow, 130)
    calls = []

    async def failing(chunk):
        calls.append(chunk.first_seq)
        if len(calls) == 2:
            raise ConnectionError("database gone")
        await uow.stamps.insert(chunk.stamps())

    monkeypatch.setattr(uow.stamps, "insert_chunk", failing)
    sheets = SheetFiles(tmp_path)
    with pytest.raises(ConnectionError):
        await StampRunJobs(lambda: uow, sheets, BASE).produce(run)
    assert not sheets.path(run.id).exists()
    assert [s.seq for s in uow.stamps.of(run.id)] == list(range(1, 41))  # a prefix: the restart goes on from 41


def test_bulk_serials_are_valid_and_random() -> None:
    serials = new_serials(5000)
    assert len(set(serials)) == 5000
    assert all(len(s) == SERIAL_LENGTH and luhn32_check(s[:-1]) == s[-1] for s in serials)
    assert set("".join(serials)) == set(CROCKFORD)


@pytest.mark.parametrize(
    "base,gtin,lot",
    [
        (BASE, "8934567890120", "261101-1"),  # v4, the serial starts on an odd character of its pair
        (BASE, None, "X"),  # v3 short stamps
        ("https://truyxuat.ocop.quangninh.gov.vn", "8934567890120", "261101-12"),  # v5
        ("http://127.0.0.1:8002", "8934567890120", "261101-1"),
    ],
)
def test_run_codes_equal_the_encoders_matrices(base, gtin, lot) -> None:
    codes = RunCodes(stamp_url(base, "", gtin=gtin, lot=lot), SERIAL_LENGTH, CROCKFORD)
    assert codes.tables  # the fast path is taken
    for _ in range(200):
        url = stamp_url(base, new_serial(), gtin=gtin, lot=lot)
        matrix = BulkEncoder(url).matrix(url)
        assert codes.packed(url) == pack(matrix), url
        assert unpack(codes.packed(url), SIDE[len(codes.packed(url))]) == [[bool(m) for m in r] for r in matrix]


def test_run_codes_fall_back_for_another_shape() -> None:
    """A URL the tables do not cover (shorter, a character outside the serial alphabet, lower case) is still
    encoded right: zxing-cpp reads it back."""
    codes = RunCodes(stamp_url(BASE, "", gtin=None, lot="X"), SERIAL_LENGTH, CROCKFORD)
    for url in ("https://TRACE.OCOP.VN/S/ABC", "https://TRACE.OCOP.VN/S/" + "I" * SERIAL_LENGTH, "https://x.vn/s/a"):
        data = codes.packed(url)
        side = SIDE[len(data)]
        image = Image.new("L", (side + 8, side + 8), 255)  # 4 modules of quiet zone
        for y, row in enumerate(unpack(data, side)):
            for x, dark in enumerate(row):
                if dark:
                    image.putpixel((x + 4, y + 4), 0)
        image = image.resize(((side + 8) * 8, (side + 8) * 8), Image.Resampling.NEAREST)
        assert [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)] == [url]
