"""The JSON shape of traceability's records in API answers (ids as ``id``; internal fields left out)."""

from __future__ import annotations

from typing import Any

from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.stamps import StampRun


def batch_view(batch: Batch) -> dict[str, Any]:
    return {**batch.model_dump(exclude={"id"}), "id": batch.id}


def trail_view(event: TrailEvent, *, public: bool = False) -> dict[str, Any]:
    """``public``: without who recorded it (a batch's trail as anyone reading the batch sees it). The time as
    entered and stored (``isoformat``: "+00:00", where pydantic would write "Z")."""
    hidden = {"id", "time", "recorded_by"} if public else {"id", "time"}
    return {**event.model_dump(exclude=hidden), "time": event.time.isoformat(), "id": event.id}


def run_view(run: StampRun) -> dict[str, Any]:
    return run.progress() | {
        "sheet": f"/api/v1/stamp-runs/{run.id}/sheet.pdf",
        "codes": f"/api/v1/stamp-runs/{run.id}/codes.csv",
        "roll": f"/api/v1/stamp-runs/{run.id}/sheet.pdf?format=roll&size=40x30",
        "zpl": f"/api/v1/stamp-runs/{run.id}/labels.zpl?size=40x30&dpi=203",
    }
