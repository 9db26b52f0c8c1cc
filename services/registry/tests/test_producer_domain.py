from datetime import UTC, datetime

import pytest

from ocop_registry.domain.producer import InvalidTaxCode, Producer, ProducerKind, normalize_tax_code
from ocop_shared.errors import DomainError


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0123456789", "0123456789"),
        ("0123456789001", "0123456789001"),
        (" 0123456789-001 ", "0123456789-001"),
        ("0123 456 789", "0123456789"),
    ],
)
def test_valid_tax_codes(raw, expected):
    assert normalize_tax_code(raw) == expected


@pytest.mark.parametrize("raw", ["012345678", "01234567890", "0123456789-01", "0123456789-0011", "ABCDEFGHIJ", ""])
def test_invalid_tax_codes(raw):
    with pytest.raises(InvalidTaxCode):
        normalize_tax_code(raw)


def make(**kw):
    base = dict(
        id="p",
        name="HTX Sang Hà",
        kind=ProducerKind.cooperative,
        tax_code="0123456789",
        province={"code": "06", "name": "Bắc Kạn"},
        commune=None,
        address="",
        registered_at=datetime.now(UTC),
    )
    base.update(kw)
    return Producer(**base)


def test_public_name_defaults_to_name_and_company_form_checked():
    assert make().public_name == "HTX Sang Hà"
    assert make(kind=ProducerKind.company, legal_form="CTCP").legal_form == "CTCP"
    with pytest.raises(DomainError):
        make(kind=ProducerKind.company, legal_form="LLC")
    with pytest.raises(DomainError):
        make(name="   ")
