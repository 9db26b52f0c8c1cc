"""Where rendered stamp sheets live: one PDF per run under ``<data-dir>/stamp-runs``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocop_traceability.adapters.sheet import Label, Layout, render_sheet
from ocop_traceability.domain.copies import ProductCopy
from ocop_traceability.domain.stamps import Labels, Progress, StampRun


@dataclass(frozen=True)
class SheetFiles:
    data_dir: Path

    def path(self, run_id: str) -> Path:
        return Path(self.data_dir) / "stamp-runs" / f"{run_id}.pdf"

    def render(self, run: StampRun, labels: Labels, product: ProductCopy | None, progress: Progress) -> int:
        """Render the (url, serial) labels (blocking: run it in a thread) to a temporary file, then move it in
        place; returns the page count. Labels show the product's name, and its stars while certified."""
        path = self.path(run.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        pages = render_sheet(
            tmp,
            [Label(url, serial) for url, serial in labels],
            product_name=product.name if product else "",
            stars=product.printed_stars if product else None,
            layout=Layout(**run.layout),
            progress=progress,
        )
        tmp.replace(path)
        return pages
