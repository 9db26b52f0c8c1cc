"""Where rendered stamp sheets live: one PDF per run under ``<data-dir>/stamp-runs``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocop_traceability.adapters.sheet import Label, Layout, render_sheet


@dataclass(frozen=True)
class SheetFiles:
    data_dir: Path

    def path(self, run_id: str) -> Path:
        return Path(self.data_dir) / "stamp-runs" / f"{run_id}.pdf"

    def render(
        self,
        run_id: str,
        labels: Sequence[tuple[str, str]],
        *,
        product_name: str,
        stars: int | None,
        layout: dict[str, float],
        progress: Callable[[int], None],
    ) -> int:
        """Render (blocking: run it in a thread) to a temporary file, then move it in place; the page count."""
        path = self.path(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        pages = render_sheet(
            tmp,
            [Label(url, serial) for url, serial in labels],
            product_name=product_name,
            stars=stars,
            layout=Layout(**layout),
            progress=progress,
        )
        tmp.replace(path)
        return pages
