"""The bulk encoder must produce exactly the matrix the qrcode package produces (same version, fixed mask)."""

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

from ocop_traceability.adapters.bulkqr import BulkEncoder
from ocop_traceability.adapters.qr import FIXED_MASK, pdf_runs
from ocop_traceability.adapters.qrsegments import segments
from ocop_traceability.domain.codes import new_serial
from ocop_traceability.domain.stamps import stamp_url


def reference(text: str, version: int | None) -> list[list[bool]]:
    """qrcode's own matrix for the text: the stamp segments (byte scheme + alphanumeric rest) when the text
    splits, else one byte segment."""
    qr = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=FIXED_MASK)
    segs = segments(text)
    if segs is None:
        qr.add_data(text, optimize=0)
    else:
        for seg in segs:
            qr.add_data(seg)
    qr.make(fit=version is None)
    return qr.get_matrix()


def test_bulk_matrices_equal_qrcode_for_both_url_forms():
    for gtin in ("8934567890120", None):
        urls = [stamp_url("https://trace.ocop.vn", new_serial(), gtin=gtin, lot="261101-12") for _ in range(150)]
        encoder = BulkEncoder(urls[0])
        assert encoder.version == (4 if gtin else 3)
        for url in urls:
            assert encoder.matrix(url) == reference(url, encoder.version), url


def test_non_alphanumeric_text_falls_back_to_qrcode():
    encoder = BulkEncoder("https://TRACE.OCOP.VN/S/ABC")
    text = "https://trace.ocop.vn/s/abc"
    assert segments(text) is None and encoder.matrix(text) == reference(text, None)


def test_old_upper_case_stamps_still_encode_in_one_alphanumeric_segment():
    old = "HTTPS://TRACE.OCOP.VN/01/08934567890120/10/261101-12/21/" + new_serial()
    segs = segments(old)
    assert segs is not None and [s.mode for s in segs] == [util.MODE_ALPHA_NUM]
    encoder = BulkEncoder(old)
    assert encoder.version == 4 and encoder.matrix(old) == reference(old, 4)


def test_pdf_runs_cover_exactly_the_dark_modules():
    matrix = BulkEncoder("HTTPS://X.VN/S/1").matrix("HTTPS://X.VN/S/1")
    covered = set()
    for op in pdf_runs(matrix).split(" re"):
        parts = op.split()
        if parts:
            x, y, w, _h = map(int, parts)
            covered |= {(y, x + i) for i in range(w)}
    dark = {(y, x) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
    assert covered == dark
