"""Commands: what a caller asks the registry to do or to show, one frozen dataclass each.

A command names the records it acts on and carries the validated input (``inputs.py``); the API builds it
from the path and the body, the console from the URL and the form, the CLI and events from their data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from ocop_registry.app.inputs import (
    DecisionIn,
    EvaluationIn,
    ProducerIn,
    ProducerPatch,
    ProductIn,
    ProductPatch,
    ReplaceIn,
    RevokeIn,
    UserIn,
)
from ocop_registry.domain.producer import Producer

# -- producers and products ------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterProducer:
    producer: ProducerIn


@dataclass(frozen=True)
class UpdateProducer:
    producer_id: str
    changes: ProducerPatch  # only the fields sent are changed


@dataclass(frozen=True)
class ListProducers:
    limit: int = 100
    skip: int = 0


@dataclass(frozen=True)
class Search:
    """The console's list filters: free text, a province (code or name), a commune (part of its name)."""

    q: str = ""
    province: str = ""
    commune: str = ""

    def in_place(self, producer: Producer) -> bool:
        """Whether ``producer`` is in the province (today's) and commune asked for; the commune may also be
        named as it was written (a pre-07/2025 commune or district: 'Bằng Phúc')."""
        commune = self.commune.strip().lower()
        written = producer.recorded
        names = [(producer.commune or {}).get("name") or ""]
        if written is not None:
            names += [u.name or u.given for u in (written.commune, written.district) if u is not None]
        return (not self.province or self.province in (producer.province_code, producer.province.get("name"))) and (
            not commune or any(commune in n.lower() for n in names)
        )


@dataclass(frozen=True)
class SearchProducers(Search):
    """Free text in the name, public name or tax code; ``kind`` one of ProducerKind; ``pending``: only those
    whose split old commune waits for an official to choose today's."""

    kind: str = ""
    pending: bool = False


@dataclass(frozen=True)
class RegisterProduct:
    product: ProductIn


@dataclass(frozen=True)
class UpdateProduct:
    product_id: str
    changes: ProductPatch  # only the fields sent are changed


@dataclass(frozen=True)
class ListProducts:
    producer_id: str | None = None
    group: str | None = None
    q: str | None = None
    limit: int = 100
    skip: int = 0


@dataclass(frozen=True)
class SearchProducts(Search):
    """Free text in the product or producer name; ``stars`` of the current certificate."""

    group: str = ""
    stars: str = ""


@dataclass(frozen=True)
class RecordEvaluation:
    product_id: str
    evaluation: EvaluationIn


# -- certificates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueCertificate:
    evaluation_id: str
    decision: DecisionIn


@dataclass(frozen=True)
class ReplaceCertificate:
    """A certificate from a new evaluation takes the place of ``certificate_id`` (which is superseded)."""

    certificate_id: str
    replacement: ReplaceIn


class RenewCertificate(ReplaceCertificate):
    """At the end of validity; the stars may change."""


class UpgradeCertificate(ReplaceCertificate):
    """More stars than the current certificate."""


@dataclass(frozen=True)
class RevokeCertificate:
    certificate_id: str
    revocation: RevokeIn


@dataclass(frozen=True)
class ExpireCertificates:
    """The expiry job: active certificates valid until before ``today`` expire (at most ``limit`` a run)."""

    today: date
    limit: int = 500


@dataclass(frozen=True)
class ListCertificates:
    today: date
    status: str | None = None
    product_id: str | None = None
    expiring_within_days: int | None = None
    limit: int = 200


# -- imports, users, reports, catalogue ------------------------------------------------------------


@dataclass(frozen=True)
class ImportRows:
    """Rows of an uploaded list (header-normalised dicts); the report numbers them by ``row_numbers`` (their
    spreadsheet rows, blank rows left out) or from ``first_row`` on."""

    kind: Literal["producers", "products"]
    rows: list[dict[str, Any]]
    first_row: int = 2
    row_numbers: tuple[int, ...] = ()

    def number(self, index: int) -> int:
        return self.row_numbers[index] if index < len(self.row_numbers) else self.first_row + index


@dataclass(frozen=True)
class MigrateAdminUnits:
    """Place records stored before the conversion existed in today's units (``dry_run``: report only)."""

    dry_run: bool = False


@dataclass(frozen=True)
class CreateUser:
    user: UserIn


@dataclass(frozen=True)
class SignIn:
    username: str
    password: str
    network: str = "unknown"  # the caller's network prefix (throttling, audit)


@dataclass(frozen=True)
class ChangePassword:
    """The signed-in user changes their own password (the current one is asked again)."""

    current: str
    new: str


@dataclass(frozen=True)
class ExpiringReport:
    days: int
    today: date


@dataclass(frozen=True)
class CatalogueQuery:
    group: str | None = None
    province: str | None = None  # a GSO code or a name
    stars: int | None = None
    limit: int = 100
    skip: int = 0
