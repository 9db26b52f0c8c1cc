"""A plan's progress as the report a provincial office sends to the People's Committee (PDF, reportlab):
the national motto header, the title, the period, the table of targets and results per unit, bar charts per
indicator (vector), the definitions used, the date and the signature block. Roboto carries the Vietnamese
glyphs (a subset is embedded)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "Roboto"
PDF = "application/pdf"


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        import font_roboto

        base = Path(font_roboto.__file__).parent / "files"
        pdfmetrics.registerFont(TTFont(FONT, str(base / "Roboto-Regular.ttf")))
        pdfmetrics.registerFont(TTFont(FONT + "-Bold", str(base / "Roboto-Bold.ttf")))


def _style(size: float = 10, bold: bool = False, center: bool = False) -> ParagraphStyle:
    return ParagraphStyle(
        "s",
        fontName=FONT + ("-Bold" if bold else ""),
        fontSize=size,
        leading=size * 1.3,
        alignment=TA_CENTER if center else 0,
    )


def _esc(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chart(label: str, rows: list[tuple[str, int | None, int, bool]], width: float, plain: bool = False) -> Drawing:
    """Bars: the target outlined in grey, the actual filled (green once reached)."""
    row_h, label_w, figure_w = 13.0, 120.0, 70.0
    bar_w = width - label_w - figure_w
    scale = max([1, *(t or 0 for _, t, _, _ in rows), *(a for _, _, a, _ in rows)])
    height = 18 + row_h * len(rows)
    d = Drawing(width, height)
    d.add(String(0, height - 11, label, fontName=FONT + "-Bold", fontSize=9))
    for i, (name, target, actual, total) in enumerate(rows):
        y = height - 18 - row_h * (i + 1) + 3
        d.add(String(0, y + 2, name, fontName=FONT + ("-Bold" if total else ""), fontSize=7.5))
        if target:
            grey, edge = colors.HexColor("#eceff1"), colors.HexColor("#78909c")
            d.add(Rect(label_w, y, bar_w * target / scale, 9, fillColor=grey, strokeColor=edge, strokeWidth=0.5))
        reached = target is not None and actual >= target
        fill = colors.HexColor("#2e7d32" if reached else ("#6a1b9a" if total else "#1565c0"))
        if actual:
            d.add(Rect(label_w, y + 2, bar_w * actual / scale, 5, fillColor=fill, strokeColor=None))
        pct = f"{round(100 * actual / target)} %" if target else "—"
        d.add(
            String(
                label_w + bar_w + 4,
                y + 2,
                str(actual) if plain else f"{actual}/{'—' if target is None else target} ({pct})",
                fontName=FONT,
                fontSize=7.5,
            )
        )
    return d


def progress_pdf(result: dict[str, Any], *, office: str, today: date) -> bytes:
    _fonts()
    plan = result["plan"]
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Báo cáo tiến độ Kế hoạch {plan['number']}",
        author=office,
    )
    width = page[0] - 30 * mm
    province = plan["province"]["name"]
    story: list[Any] = []
    header = Table(
        [
            [
                Paragraph(f"UBND TỈNH {_esc(province.upper())}", _style(10, center=True)),
                Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _style(10, True, True)),
            ],
            [
                Paragraph(_esc(office.upper()), _style(10, True, True)),
                Paragraph("Độc lập – Tự do – Hạnh phúc", _style(10, True, True)),
            ],
            [
                "",
                Paragraph(
                    f"<i>{_esc(province)}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}</i>",
                    _style(10, center=True),
                ),
            ],
        ],
        colWidths=[width * 0.4, width * 0.6],
    )
    story += [header, Spacer(1, 5 * mm)]
    story.append(Paragraph("BÁO CÁO", _style(14, True, True)))
    story.append(
        Paragraph(
            f"Tiến độ thực hiện Kế hoạch số {_esc(plan['number'])} của {_esc(plan['issuer'])}"
            f" — {_esc(plan['title'] or 'Chương trình OCOP')}",
            _style(11, True, True),
        )
    )
    story.append(
        Paragraph(
            f"Kỳ báo cáo: năm {result['period']} (số liệu tính đến ngày {today:%d/%m/%Y})", _style(10, center=True)
        )
    )
    story.append(Paragraph(f"Kính gửi: Ủy ban nhân dân tỉnh {_esc(province)}", _style(10, center=True)))
    story.append(Spacer(1, 4 * mm))

    inds = result["indicators"]
    head1: list[Any] = [Paragraph("Đơn vị", _style(8, True))]
    head2: list[Any] = [""]
    for ind in inds:
        head1 += [Paragraph(_esc(ind["label"]), _style(7.5, True, True)), "", ""]
        head2 += ["KH", "TH", "%"]
    data = [head1, head2]
    for r in result["rows"]:
        line: list[Any] = [Paragraph(_esc(r["written"] or r["name"]), _style(8, r["total"]))]
        for ind in inds:
            c = r["cells"][ind["key"]]
            pct = "—" if c["percent"] is None else f"{c['percent']:.1f}".replace(".", ",")
            line += ["—" if c["target"] is None else c["target"], c["actual"], pct]
        data.append(line)
    first = width * 0.16
    col = (width - first) / (3 * len(inds))
    table = Table(data, colWidths=[first] + [col] * 3 * len(inds), repeatRows=2)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#eceff1")),
        ("SPAN", (0, 0), (0, 1)),
    ]
    style += [("SPAN", (1 + 3 * i, 0), (3 + 3 * i, 0)) for i in range(len(inds))]
    style += [("FONT", (0, i + 2), (-1, i + 2), FONT + "-Bold", 8) for i, r in enumerate(result["rows"]) if r["total"]]
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 3 * mm)]
    story.append(Paragraph("KH: kế hoạch; TH: thực hiện; —: kế hoạch không giao chỉ tiêu.", _style(8)))
    story.append(Spacer(1, 4 * mm))

    charts = [
        _chart(
            ind["label"],
            [
                (
                    r["written"] or r["name"],
                    r["cells"][ind["key"]]["target"],
                    r["cells"][ind["key"]]["actual"],
                    r["total"],
                )
                for r in result["rows"]
            ],
            width / 2 - 6,
        )
        for ind in inds
    ]
    quarter_rows: list[tuple[str, int | None, int, bool]] = [
        (f"Quý {q}", None, n, False) for q, n in zip(("I", "II", "III", "IV"), result["quarters"], strict=True)
    ]
    charts.append(
        _chart(f"Sản phẩm được công nhận mới theo quý, năm {result['period']}", quarter_rows, width / 2 - 6, plain=True)
    )
    pairs = [charts[i : i + 2] + [""] * (2 - len(charts[i : i + 2])) for i in range(0, len(charts), 2)]
    grid = [Table([p], colWidths=[width / 2, width / 2]) for p in pairs]
    story.append(KeepTogether([Paragraph("Biểu đồ thực hiện so với kế hoạch", _style(11, True)), grid[0]]))
    story += grid[1:]
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("Cách tính các chỉ tiêu", _style(11, True)))
    for ind in inds:
        story.append(Paragraph(f"<b>{_esc(ind['label'])}</b>: {_esc(ind['definition'])}.", _style(8.5)))
    story.append(Spacer(1, 6 * mm))
    sign = Table(
        [
            [
                Paragraph("<b>Nơi nhận:</b><br/>- Như trên;<br/>- Lưu: VT.", _style(8.5)),
                Paragraph(f"<b>{_esc(office.upper())}</b><br/><br/><br/>(ký, ghi rõ họ tên)", _style(10, center=True)),
            ]
        ],
        colWidths=[width * 0.5, width * 0.5],
    )
    story.append(KeepTogether([sign]))
    doc.build(story)
    return buffer.getvalue()
