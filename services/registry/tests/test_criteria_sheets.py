"""The criteria sheets shipped as YAML files: they load, agree with the scoring table of their version, and a
member's score sheet is checked against them (every indicator, within its maximum, parts summed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ocop_registry.adapters.criteria_files import SHIPPED, load_sheets
from ocop_registry.domain.criteria import CriteriaSheet
from ocop_registry.domain.product import ProductGroup
from ocop_registry.domain.scoring import CRITERIA, InvalidScores


@pytest.fixture(scope="module")
def book():
    return load_sheets()


def test_every_group_has_a_sheet_with_the_part_maxima_of_its_version(book):
    assert {g for (_v, g) in book.sheets} == {g.value for g in ProductGroup}
    for (version, _group), sheet in book.sheets.items():
        assert {p.code: p.max for p in sheet.parts} == CRITERIA[version] == {"A": 40, "B": 25, "C": 35}


def test_the_food_sheet_is_complete(book):
    food = book.sheet("QD148-2023", "food")
    assert food.itemised and food.revision >= 1
    for part in food.parts:
        assert part.sections and sum(i.max for i in part.indicators) == part.max
    assert len(food.indicators()) >= 20
    assert "NOT VERIFIED" in food.source["indicators"]  # what could not be checked is said in the file


def test_only_food_is_itemised(book):
    assert [g for (_v, g), s in book.sheets.items() if s.itemised] == ["food"]


def _food_yaml() -> dict:
    return yaml.safe_load((SHIPPED / "QD148-2023" / "food.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["parts"][0].update(max=35), "differ from"),
        (lambda d: d["parts"][1]["sections"][0]["indicators"][0].update(max=9), "do not add up"),
        (lambda d: d["parts"][2]["sections"][0]["indicators"][0].update(code="A1.1"), "duplicate"),
        (lambda d: d.update(version="QD999"), "unknown criteria version"),
        (lambda d: d["parts"].pop(), "differ from"),
    ],
)
def test_a_broken_sheet_is_refused(change, message):
    data = _food_yaml()
    change(data)
    with pytest.raises(ValueError, match=message):
        CriteriaSheet.model_validate(data)


def test_a_file_must_hold_the_sheet_its_path_names(tmp_path: Path):
    (tmp_path / "QD148-2023").mkdir()
    (tmp_path / "QD148-2023" / "beverage.yaml").write_text(yaml.safe_dump(_food_yaml()), encoding="utf-8")
    with pytest.raises(ValueError, match="holds QD148-2023/food"):
        load_sheets(tmp_path)
    with pytest.raises(ValueError, match="no criteria sheets"):
        load_sheets(tmp_path / "nothing")


def full(book, **changes) -> dict[str, float]:
    sheet = book.sheet("QD148-2023", "food")
    return {code: indicator.max for code, (_part, indicator) in sheet.indicators().items()} | changes


def test_a_full_food_sheet_adds_up_to_100(book):
    checked = book.sheet("QD148-2023", "food").check(full(book))
    assert checked.parts == {"A": 40, "B": 25, "C": 35} and checked.total == 100
    half = book.sheet("QD148-2023", "food").check(full(book, **{"A1.1": 2.5, "C3.1": 0}))
    assert half.parts["A"] == 37.5 and half.parts["C"] == 30 and half.total == 92.5
    assert half.indicators is not None and half.indicators["A1.1"] == 2.5


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"A1.1": 5.5}, "invalid_scores"),  # over its maximum (5)
        ({"A1.1": -1}, "invalid_scores"),
        ({"A1.1": float("nan")}, "invalid_scores"),
        ({"A1.1": 1.234}, "invalid_scores"),  # at most two decimals
        ({"Z1": 1}, "unknown_criterion"),
        ({"A": 30}, "unknown_criterion"),  # part scores on an itemised sheet
    ],
)
def test_refused_food_sheets(book, changes, code):
    with pytest.raises(InvalidScores) as refused:
        book.sheet("QD148-2023", "food").check(full(book, **changes))
    assert refused.value.code == code


def test_every_indicator_must_be_scored(book):
    given = full(book)
    del given["B2.2"]
    with pytest.raises(InvalidScores) as refused:
        book.sheet("QD148-2023", "food").check(given)
    assert refused.value.code == "missing_criteria" and "B2.2" in refused.value.message


def test_a_sheet_without_indicators_takes_part_scores(book):
    tea = book.sheet("QD148-2023", "beverage")
    assert tea.check({"A": 33, "B": 19.5, "C": 25}).total == 77.5
    with pytest.raises(InvalidScores):
        tea.check({"A": 41, "B": 19, "C": 25})
    with pytest.raises(InvalidScores):
        tea.check({"A": 33, "B": 19})
