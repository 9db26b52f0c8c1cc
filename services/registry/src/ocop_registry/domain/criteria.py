"""Criteria sheets (phiếu đánh giá, phân hạng sản phẩm OCOP) and the check of a score sheet against one.

A sheet is data, not code: one YAML file per criteria version and product group under ``criteria/`` (read by
``adapters/criteria_files.py``). It has the three parts of its version (QĐ 148/2023: A 40, B 25, C 35), each
with sections of indicators (tiêu chí) and their maximum points — or, for a group whose indicators are not
entered, the parts alone. A member's score sheet gives every indicator (or every part) a score; the part
scores are the sums and the part maxima are checked by ``scoring.check_scores`` like any evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

from pydantic import BaseModel, Field, model_validator

from ocop_registry.domain.scoring import CRITERIA, EPS, CriterionScore, InvalidScores, check_scores


class Indicator(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=300)
    max: float = Field(gt=0, le=100)
    evidence: str = ""  # what a producer files to support it (shown beside the upload form)


class Section(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name: str
    indicators: list[Indicator] = Field(min_length=1)


class Part(BaseModel):
    code: str
    name: str
    max: float = Field(gt=0, le=100)
    sections: list[Section] = Field(default_factory=list)

    @property
    def indicators(self) -> list[Indicator]:
        return [i for s in self.sections for i in s.indicators]


class CriteriaSheet(BaseModel):
    version: str  # e.g. QD148-2023
    group: str  # a ProductGroup value
    revision: int = Field(ge=1)
    title: str
    source: dict[str, str] = Field(default_factory=dict)
    sub_groups: list[str] = Field(default_factory=list)
    parts: list[Part]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        maxima = CRITERIA.get(self.version)
        if maxima is None:
            raise ValueError(f"unknown criteria version {self.version}")
        given = {p.code: p.max for p in self.parts}
        if given != {k: float(v) for k, v in maxima.items()}:
            raise ValueError(f"{self.key}: parts {given} differ from {self.version} {maxima}")
        codes = [p.code for p in self.parts] + [s.code for p in self.parts for s in p.sections]
        codes += [i.code for p in self.parts for i in p.indicators]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{self.key}: duplicate codes")
        for part in self.parts:
            if part.sections and abs(sum(i.max for i in part.indicators) - part.max) > EPS:
                raise ValueError(f"{self.key}: indicators of part {part.code} do not add up to {part.max:g}")
        return self

    @property
    def key(self) -> str:
        return f"{self.version}/{self.group}@{self.revision}"

    @property
    def itemised(self) -> bool:
        """Whether members score each indicator (else each part)."""
        return any(p.sections for p in self.parts)

    def indicators(self) -> dict[str, tuple[Part, Indicator]]:
        return {i.code: (p, i) for p in self.parts for i in p.indicators}

    def codes(self) -> dict[str, str]:
        """Every code evidence may be filed against (parts, sections, indicators) → its name."""
        out: dict[str, str] = {}
        for p in self.parts:
            out[p.code] = p.name
            for s in p.sections:
                out[s.code] = s.name
                out |= {i.code: i.name for i in s.indicators}
        return out

    def check(self, given: dict[str, float]) -> ScoreSheet:
        """A member's scores: every indicator of an itemised sheet (keys = indicator codes), else every part
        (keys A, B, C). Each from 0 to its maximum, at most two decimals; the parts add up to the total."""
        expected = list(self.indicators()) if self.itemised else [p.code for p in self.parts]
        unknown = sorted(set(given) - set(expected))
        missing = [code for code in expected if code not in given]
        if unknown:
            raise InvalidScores("unknown_criterion", f"Không có tiêu chí {', '.join(unknown)} trong phiếu {self.key}")
        if missing:
            raise InvalidScores("missing_criteria", f"Chưa chấm tiêu chí: {', '.join(missing)}")
        maxima = {code: i.max for code, (_p, i) in self.indicators().items()} or {p.code: p.max for p in self.parts}
        for code, value in given.items():
            if not math.isfinite(value) or value < 0 or value > maxima[code] + EPS:
                raise InvalidScores(message=f"Điểm tiêu chí {code} phải từ 0 đến {maxima[code]:g}, nhận {value:g}")
            if abs(round(value, 2) - value) > EPS:
                raise InvalidScores(message=f"Điểm tiêu chí {code} có nhiều nhất hai chữ số thập phân")
        if not self.itemised:
            parts = {p.code: given[p.code] for p in self.parts}
            return ScoreSheet(parts, None, check_scores(self.version, parts))
        detail = {
            p.code: [CriterionScore(criterion=i.code, score=given[i.code]) for i in p.indicators] for p in self.parts
        }
        parts = {p.code: round(sum(given[i.code] for i in p.indicators), 2) for p in self.parts}
        return ScoreSheet(parts, dict(given), check_scores(self.version, parts, detail))


@dataclass(frozen=True)
class ScoreSheet:
    """A checked score sheet: part scores, the indicator scores they add up from (itemised sheets), total."""

    parts: dict[str, float]
    indicators: dict[str, float] | None
    total: float


@dataclass(frozen=True)
class CriteriaBook:
    """Every sheet the service knows, by (version, group); the current version new dossiers are scored on."""

    sheets: dict[tuple[str, str], CriteriaSheet]
    current: str = "QD148-2023"

    def sheet(self, version: str, group: str) -> CriteriaSheet:
        found = self.sheets.get((version, group))
        if found is None:
            raise InvalidScores("unknown_criteria_sheet", f"Chưa có phiếu đánh giá {version} cho nhóm '{group}'")
        return found
