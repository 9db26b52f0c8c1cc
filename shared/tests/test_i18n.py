"""The message catalogue: every language has every message with the same placeholders, Accept-Language is
negotiated as RFC 9110 says, and the consoles' Vietnamese labels are the catalogue's."""

from __future__ import annotations

import shutil
import string
import subprocess

import pytest

from ocop_shared import vocabulary
from ocop_shared.i18n import CATALOGUE, LOCALES, Catalogue


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_language_has_every_message_with_the_same_fields():
    source = CATALOGUE.messages["vi"]
    assert len(source) > 50 and set(CATALOGUE.languages) >= {"vi", "en"}
    for lang in CATALOGUE.languages:
        messages = CATALOGUE.messages[lang]
        assert set(messages) == set(source), (lang, set(source) ^ set(messages))
        for key, text in messages.items():
            assert text.strip(), (lang, key)
            assert _fields(text) == _fields(source[key]), (lang, key)


def test_english_is_english_and_vietnamese_has_its_diacritics():
    t_vi, t_en = CATALOGUE.translator("vi"), CATALOGUE.translator("en")
    assert t_vi("verdict.genuine.title") == "Sản phẩm chính hãng"
    assert t_en("verdict.genuine.title") == "Genuine product"
    assert t_en("scan.certificate.stars", stars=4) == "4 stars" and t_vi("scan.certificate.stars", stars=4) == "4 sao"
    differ = [k for k in CATALOGUE.messages["vi"] if t_vi(k) != t_en(k)]
    assert len(differ) > 0.9 * len(CATALOGUE.messages["vi"])  # not a copy of the source
    assert t_vi.date("2026-11-01") == "01/11/2026" and t_en.date("2026-11-01") == "1 Nov 2026"
    assert t_en.datetime("2026-11-02T07:05:00+07:00") == "2 Nov 2026, 07:05"
    assert t_vi.datetime("2026-11-02T07:05:00+07:00") == vocabulary.vndatetime("2026-11-02T07:05:00+07:00")


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en", "en"),
        ("en-US,en;q=0.9,vi;q=0.8", "en"),
        ("EN-gb", "en"),
        ("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", "vi"),
        ("fr-FR, en;q=0.5", "en"),  # the first language offered here
        ("en;q=0, vi", "vi"),  # q=0: not acceptable
        ("vi;q=0.4, en;q=0.6", "en"),
        ("*", "vi"),
        ("", "vi"),
        (None, "vi"),
        ("de, ja", "vi"),
        ("en;q=abc", "vi"),
        ("x" * 5000, "vi"),
    ],
)
def test_accept_language_negotiation(header, lang):
    assert CATALOGUE.negotiate(header) == lang


def test_console_vocabulary_comes_from_the_catalogue():
    assert CATALOGUE.labels("group", "vi") == vocabulary.GROUP_NAMES
    assert set(vocabulary.GROUP_NAMES) == {"food", "beverage", "herbal", "handicraft", "ornamental", "tourism"}
    assert vocabulary.GROUP_NAMES["herbal"] == "Dược liệu và sản phẩm từ dược liệu"
    assert vocabulary.CERT_STATUS["revoked"] == "Đã thu hồi" and vocabulary.ROLE_NAMES["official"] == "Cán bộ quản lý"
    assert CATALOGUE.labels("group", "en")["food"] == "Food"


def test_a_further_language_is_one_file(tmp_path):
    for name in ("vi.po", "en.po"):
        shutil.copyfile(LOCALES / name, tmp_path / name)
    french = (LOCALES / "en.po").read_text().replace('msgstr "Genuine product"', 'msgstr "Produit authentique"')
    (tmp_path / "fr.po").write_text(french.replace("Language: en", "Language: fr"))
    catalogue = Catalogue(tmp_path)
    assert catalogue.languages == ("vi", "en", "fr") and catalogue.negotiate("fr-CA") == "fr"
    assert catalogue.translator("fr")("verdict.genuine.title") == "Produit authentique"


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext's msgfmt is not installed")
def test_gnu_msgfmt_accepts_the_files(tmp_path):
    for path in LOCALES.glob("*.po"):
        subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "x.mo"), str(path)], check=True)
