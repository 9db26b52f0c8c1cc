"""What the public scan page tells a consumer about a stamp (kết quả tra cứu)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ocop_traceability.domain.copies import CertificateCopy

Verdict = Literal["genuine", "revoked", "expired", "void", "unknown", "suspected_clone"]


def verdict_of(state: str, certificate: CertificateCopy | None, today: date, clone_reason: str | None) -> Verdict:
    """A real stamp: void first, then the certificate (an active one past its end is already expired), then
    the clone suspicion. (A code that is no stamp is ``unknown``.)"""
    if state == "void":
        return "void"
    if certificate and certificate.status == "revoked":
        return "revoked"
    if certificate and (
        certificate.status == "expired" or (certificate.status == "active" and certificate.valid_until < today)
    ):
        return "expired"
    if clone_reason:
        return "suspected_clone"
    return "genuine"
