"""Where rendered stamp sheets live (one A4 PDF per run under ``<data-dir>/stamp-runs``), and the print files
made on request from the stored stamps: thermal-printer rolls (PDF) and ZPL, streamed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ocop_traceability.adapters.sheet import LabelPdf, Layout, render_sheet, roll_layout
from ocop_traceability.adapters.zpl import ZplLabels
from ocop_traceability.domain.copies import ProductCopy
from ocop_traceability.domain.stamps import Labels, Progress, StampRun

Chunks = AsyncIterator[list[tuple[str, str]]]  # (url, serial) of the run's stamps, in serial order, by chunks


@dataclass(frozen=True)
class SheetFiles:
    data_dir: Path

    def path(self, run_id: str) -> Path:
        return Path(self.data_dir) / "stamp-runs" / f"{run_id}.pdf"

    def render(self, run: StampRun, labels: Labels, product: ProductCopy | None, progress: Progress) -> int:
        """Render the (url, serial) labels (blocking: run it in a thread; they may come from a generator) to a
        temporary file as they come, then move it in place; returns the page count. Labels show the product's
        name, and its stars while certified."""
        path = self.path(run.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        pages = render_sheet(
            tmp,
            labels,
            product_name=product.name if product else "",
            stars=product.printed_stars if product else None,
            layout=Layout(**run.layout),
            progress=progress,
        )
        tmp.replace(path)
        return pages

    def roll_pdf(self, labels: Chunks, product: ProductCopy | None, size: str) -> AsyncIterator[bytes]:
        """One label per page at a thermal printer's label size (``sheet.ROLL_SIZES``), streamed."""
        doc = LabelPdf(
            product_name=product.name if product else "",
            stars=product.printed_stars if product else None,
            layout=roll_layout(size),
            roll=True,
        )
        return _stream(labels, doc.start, doc.add, doc.finish_parts)

    def zpl(self, labels: Chunks, product: ProductCopy | None, size: str, dpi: int) -> AsyncIterator[bytes]:
        """One ZPL format per label for Zebra-compatible printers at ``dpi`` (203 or 300), streamed."""
        labels_zpl = ZplLabels(
            product_name=product.name if product else "",
            stars=product.printed_stars if product else None,
            layout=roll_layout(size),
            dpi=dpi,
        )
        return _stream(labels, lambda: b"", labels_zpl.add, lambda: iter(()))


async def _stream(
    labels: Chunks,
    start: Callable[[], bytes],
    add: Callable[[list[tuple[str, str]]], bytes],
    finish: Callable[[], Iterable[bytes]],
) -> AsyncIterator[bytes]:
    """Each chunk drawn in a thread (the event loop keeps serving scans), handed on as soon as it is drawn."""
    yield start()
    async for chunk in labels:
        yield await asyncio.to_thread(add, chunk)
    for part in finish():
        yield part
