"""Commands of the dossier, council and decision use cases (one frozen dataclass each, as ``commands.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ocop_registry.app.dossier_inputs import (
    AddDossierIn,
    ConflictIn,
    CouncilDecisionIn,
    CouncilIn,
    DossierIn,
    FormFields,
    ReturnIn,
    ScoreIn,
)


@dataclass(frozen=True)
class CreateDossier:
    dossier: DossierIn
    today: date


@dataclass(frozen=True)
class EditForm:
    dossier_id: str
    changes: FormFields  # only the fields sent are changed


@dataclass(frozen=True)
class AddEvidence:
    dossier_id: str
    data: bytes = field(repr=False)
    filename: str
    title: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class RemoveEvidence:
    dossier_id: str
    evidence_id: str


@dataclass(frozen=True)
class SubmitDossier:
    dossier_id: str


@dataclass(frozen=True)
class ReturnDossier:
    dossier_id: str
    review: ReturnIn


@dataclass(frozen=True)
class AcceptDossier:
    dossier_id: str


@dataclass(frozen=True)
class ListDossiers:
    statuses: tuple[str, ...] = ()
    cycle_year: int | None = None
    product_id: str | None = None
    limit: int = 500


@dataclass(frozen=True)
class CreateCouncil:
    council: CouncilIn


@dataclass(frozen=True)
class AddToCouncil:
    council_id: str
    dossier: AddDossierIn


@dataclass(frozen=True)
class SubmitScore:
    council_id: str
    score: ScoreIn


@dataclass(frozen=True)
class DeclareConflict:
    council_id: str
    conflict: ConflictIn


@dataclass(frozen=True)
class CloseCouncil:
    council_id: str
    today: date


@dataclass(frozen=True)
class RecordDecision:
    council_id: str
    decision: CouncilDecisionIn
