"""Evaluation scoring (đánh giá, phân hạng) and star ranks.

Criteria versions: ``QD148-2023`` (QĐ 148/QĐ-TTg: A 40, B 25, C 35) and ``QD1048-2019`` (QĐ 1048/QĐ-TTg:
A 35, B 25, C 40). Ranks: 1★ < 30; 2★ 30–49; 3★ 50–69; 4★ 70–89; 5★ 90–100. Only 3★+ are OCOP products.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ocop_shared.errors import DomainError

CRITERIA: dict[str, dict[str, int]] = {
    "QD148-2023": {"A": 40, "B": 25, "C": 35},
    "QD1048-2019": {"A": 35, "B": 25, "C": 40},
}
STAR_THRESHOLDS = ((90, 5), (70, 4), (50, 3), (30, 2))
MIN_CERTIFIED_STARS = 3
EPS = 1e-6


class InvalidScores(DomainError, code="invalid_scores"): ...


def stars_for(total: float) -> int:
    for threshold, stars in STAR_THRESHOLDS:
        if total >= threshold - EPS:
            return stars
    return 1


def check_scores(
    criteria_version: str, scores: dict[str, float], detail: dict[str, list[CriterionScore]] | None = None
) -> float:
    """Validate part scores (and optional per-criterion detail); return the total."""
    if criteria_version not in CRITERIA:
        raise InvalidScores(
            "unknown_criteria_version", f"Bộ tiêu chí '{criteria_version}' không hợp lệ (dùng {', '.join(CRITERIA)})"
        )
    maxima = CRITERIA[criteria_version]
    if set(scores) != set(maxima):
        raise InvalidScores(message=f"Cần đủ điểm các phần {', '.join(maxima)}")
    for part, maximum in maxima.items():
        value = scores[part]
        if not math.isfinite(value) or value < 0 or value > maximum + EPS:
            raise InvalidScores(
                message=f"Điểm phần {part} phải từ 0 đến {maximum} (theo {criteria_version}), nhận {value:g}"
            )
    for part, items in (detail or {}).items():
        if part not in maxima:
            raise InvalidScores(message=f"Phần '{part}' không có trong bộ tiêu chí {criteria_version}")
        subtotal = sum(i.score for i in items)
        if abs(subtotal - scores[part]) > 1e-3:
            raise InvalidScores(
                message=f"Tổng điểm chi tiết phần {part} ({subtotal:g}) khác điểm phần ({scores[part]:g})"
            )
    return round(sum(scores.values()), 3)


class CriterionScore(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    criterion: str = Field(min_length=1, max_length=200)
    score: float = Field(ge=0, le=100)


class Evaluation(BaseModel):
    """An evaluation by a council (hội đồng đánh giá) at a level (commune/province/central)."""

    id: str
    product_id: str
    level: str
    criteria_version: str
    scores: dict[str, float]
    detail: dict[str, list[CriterionScore]] | None = None
    total: float
    stars: int
    evaluated_on: date
    recorded_at: datetime
    recorded_by: str
    certificate_id: str | None = None  # the certificate it recognised (an evaluation serves once)

    def use_for(self, certificate_id: str) -> None:
        self.certificate_id = certificate_id
