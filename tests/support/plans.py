"""KH 180/KH-UBND's annex tables as a spreadsheet (the unit, integration and browser tests of plans)."""

from __future__ import annotations

from ocop_cli.demo import PLAN_KH180


def seed_sheet() -> bytes:
    """KH 180/2024's two annex tables, one under the other, as a province's spreadsheet writes them."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["BIỂU KẾ HOẠCH PHÁT TRIỂN CÁC SẢN PHẨM OCOP NĂM 2024"])
    ws.append(["(Kèm theo Kế hoạch số: /KH-UBND ngày / /2024 của UBND tỉnh Bắc Kạn)"])
    ws.append(
        [
            "STT",
            "Đơn vị",
            "Sản phẩm mới đạt 3 sao trở lên",
            "Củng cố, phát triển 8 chủ thể OCOP",
            "Phấn đấu hỗ trợ 8 chủ thể mới có sản phẩm tham gia năm 2024",
        ]
    )
    rows = PLAN_KH180["targets"]
    for i, t in enumerate(rows, start=1):
        v = t["values"]
        ws.append(
            [i if i < len(rows) else None, t["unit"], v["new_3star"], v["producers_consolidated"], v["new_producers"]]
        )
    ws.append([])
    ws.append(["DANH SÁCH SẢN PHẨM DỰ KIẾN CỦNG CỐ NÂNG CAO CHẤT LƯỢNG SẢN PHẨM NĂM 2024"])
    ws.append(
        [
            "STT",
            "Đơn vị",
            "Sản phẩm có truy xuất nguồn gốc quy trình sản xuất",
            "Chủ thể tham gia liên kết trong sản xuất và tiêu thụ sản phẩm OCOP",
            "Xây dựng, duy trì sản xuất sản phẩm OCOP theo quy trình quản lý chất lượng tiên tiến (sản phẩm)",
        ]
    )
    for i, t in enumerate(rows, start=1):
        v = t["values"]
        ws.append([i if i < len(rows) else None, t["unit"], v["traced"], v["linked"], str(v["advanced_quality"])])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
