"""Validated input of the dossier and council use cases (API bodies and console forms alike)."""

from __future__ import annotations

import re
from datetime import date

from pydantic import Field, field_validator

from ocop_registry.app.inputs import DecisionIn, Strict
from ocop_registry.domain.council import MemberRole
from ocop_registry.domain.dossier import DossierKind

CODE = r"^[A-Za-z0-9._-]{1,20}$"
ID = Field(min_length=1, max_length=64)


class FormFields(Strict):
    """The registration form's own fields (the product and producer are the registry's)."""

    sub_group: str | None = Field(default=None, max_length=200)
    business_plan: str | None = Field(default=None, max_length=5000, description="tóm tắt phương án SXKD")
    production_capacity: str | None = Field(default=None, max_length=200)
    target_stars: int | None = Field(default=None, ge=3, le=5)


class DossierIn(Strict):
    product_id: str = ID
    cycle_year: int = Field(ge=2019, le=2100)
    kind: DossierKind = DossierKind.new
    form: FormFields | None = Field(
        default=None, description="omitted for a renewal or upgrade: prefilled from the product's last dossier"
    )


class ReturnItemIn(Strict):
    ref: str = Field(min_length=1, max_length=64, description="form, an evidence id or a criterion code")
    comment: str = Field(min_length=2, max_length=2000)


class ReturnIn(Strict):
    comment: str = Field(default="", max_length=4000)
    items: list[ReturnItemIn] = Field(default_factory=list, max_length=200)


class MemberIn(Strict):
    username: str = Field(min_length=3, max_length=40)
    role: MemberRole = MemberRole.member
    conflicts: list[str] = Field(
        default_factory=list, max_length=50, description="producer ids this member declared a conflict with"
    )


class CouncilIn(Strict):
    name: str = Field(min_length=3, max_length=300)
    level: str = Field(min_length=2, max_length=30, description="one of the configured council levels")
    province: str | None = Field(
        default=None, max_length=10, description="GSO code of the council's province; none for a central council"
    )
    meeting_on: date
    members: list[MemberIn] = Field(min_length=1, max_length=50)
    dossier_ids: list[str] = Field(default_factory=list, max_length=500)

    @field_validator("meeting_on")
    @classmethod
    def plausible(cls, v: date) -> date:
        if not 2019 <= v.year <= 2100:
            raise ValueError("meeting date out of range")
        return v


class AddDossierIn(Strict):
    dossier_id: str = ID


class ScoreIn(Strict):
    dossier_id: str = ID
    scores: dict[str, float] = Field(
        min_length=1,
        max_length=200,
        description="indicator code → points (a sheet with indicators), or part → points (A, B, C)",
    )

    @field_validator("scores")
    @classmethod
    def codes(cls, scores: dict[str, float]) -> dict[str, float]:
        for code in scores:
            if not re.match(CODE, code):
                raise ValueError(f"not a criterion code: {code[:30]}")
        return scores


class ConflictIn(Strict):
    dossier_id: str = ID
    reason: str = Field(min_length=3, max_length=1000)


class CouncilDecisionIn(DecisionIn):
    """The People's Committee decision recognising the council's results (số quyết định, ngày)."""
