"""The decision's appendix as a PDF (phụ lục kèm theo quyết định công nhận sản phẩm OCOP): an A4 table of the
products recognised, their producers, places, groups, scores and stars, in Roboto (Vietnamese glyphs,
embedded as a subset)."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ocop_registry.app.decisions import Appendix
from ocop_shared.vocabulary import GROUP_NAMES, vndate

FACE = "OcopRoboto"
LEVELS = {"commune": "cấp xã", "district": "cấp huyện", "province": "cấp tỉnh", "central": "cấp trung ương"}
KINDS = {"new": "Công nhận mới", "renewal": "Công nhận lại", "upgrade": "Nâng hạng"}


def fonts() -> tuple[str, str]:
    bold = FACE + "-Bold"
    if bold not in pdfmetrics.getRegisteredFontNames():
        import font_roboto

        files = Path(font_roboto.__file__).parent / "files"
        for name, file in ((FACE, "Roboto-Regular.ttf"), (bold, "Roboto-Bold.ttf")):
            pdfmetrics.registerFont(TTFont(name, str(files / file)))
    return FACE, bold


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)  # names may hold "&" or "<": Paragraph reads markup


def render(appendix: Appendix) -> bytes:
    regular, bold = fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=9, leading=11)
    head = ParagraphStyle("head", parent=text, fontName=bold, alignment=1)
    title = ParagraphStyle("title", parent=head, fontSize=13, leading=16, spaceAfter=4)
    sub = ParagraphStyle("sub", parent=text, alignment=1, fontSize=10, leading=13)
    where = f" {LEVELS.get(appendix.level, appendix.level)}" + (f" {appendix.province}" if appendix.province else "")
    story = [
        _p("PHỤ LỤC", title),
        _p("DANH SÁCH SẢN PHẨM ĐƯỢC CÔNG NHẬN ĐẠT TIÊU CHUẨN SẢN PHẨM OCOP", head),
        _p(
            f"(Kèm theo Quyết định số {appendix.decision_no} ngày {vndate(appendix.issued_on)}; "
            f"kết quả đánh giá, phân hạng của {appendix.council}{where})",
            sub,
        ),
        Spacer(1, 6 * mm),
    ]
    header = ["STT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", "Nhóm sản phẩm", "Điểm", "Hạng sao", "Hình thức"]
    rows: list[list] = [[_p(h, head) for h in header]]
    for n, r in enumerate(appendix.rows, 1):
        rows.append(
            [
                _p(str(n), text),
                _p(r.product, text),
                _p(r.producer, text),
                _p(r.place, text),
                _p(GROUP_NAMES.get(r.group, r.group), text),
                _p(f"{r.total:.2f}".replace(".", ","), text),
                _p(f"{r.stars} sao", text),
                _p(KINDS.get(r.kind, r.kind), text),
            ]
        )
    if not appendix.rows:
        rows.append([_p("Không có sản phẩm nào đạt từ 3 sao.", text), "", "", "", "", "", "", ""])
    widths = [10 * mm, 38 * mm, 36 * mm, 30 * mm, 24 * mm, 13 * mm, 15 * mm, 20 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if not appendix.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 4 * mm), _p(f"Tổng số: {len(appendix.rows)} sản phẩm.", text)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Phụ lục Quyết định {appendix.decision_no}",
        author="OCOP",
    )
    doc.build(story)
    return out.getvalue()
