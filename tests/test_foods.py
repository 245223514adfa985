"""The /foods table: loading checks, forgiving-but-never-guessing lookup, percentages."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from tips.catalog import CatalogError
from tips.foods import (
    Food,
    FoodTable,
    find_food,
    load_foods,
    normalize,
    percent_of,
    suggest_foods,
)


@pytest.fixture(scope="module")
def table() -> FoodTable:
    return load_foods()


def food(name: str, *aliases: str, mg: int = 42) -> Food:
    return Food(name, name.capitalize(), aliases, "1 cup", mg, percent_of(mg, 420))


def make_table(*foods: Food) -> FoodTable:
    return FoodTable(foods=foods, daily_value_mg=420, source="test", groups=("nuts",))


# --- the real table ---------------------------------------------------------------------


# NIH ODS magnesium fact sheet, Table 2 (serving, mg, %DV of 420 mg), copied by hand so a
# slip in the data file cannot agree with itself. Milk is "24-27" there; the table keeps 24.
# Fortified breakfast cereal is the one row left out (it is not one food).
ODS_TABLE: dict[str, tuple[str, int, int]] = {
    "pumpkin seeds": ("1 oz (28 g)", 156, 37), "chia seeds": ("1 oz (28 g)", 111, 26),
    "almonds": ("1 oz (28 g)", 80, 19), "spinach": ("1/2 cup", 78, 19),
    "cashews": ("1 oz (28 g)", 74, 18), "peanuts": ("1/4 cup", 63, 15),
    "shredded wheat": ("2 large biscuits", 61, 15), "soymilk": ("1 cup", 61, 15),
    "black beans": ("1/2 cup", 60, 14), "edamame": ("1/2 cup", 50, 12),
    "peanut butter": ("2 tbsp", 49, 12), "potato": ("3.5 oz", 43, 10),
    "brown rice": ("1/2 cup", 42, 10), "yogurt": ("8 oz", 42, 10),
    "oatmeal": ("1 packet", 36, 9), "kidney beans": ("1/2 cup", 35, 8),
    "banana": ("1 medium", 32, 8), "salmon": ("3 oz", 26, 6), "milk": ("1 cup", 24, 6),
    "halibut": ("3 oz", 24, 6), "raisins": ("1/2 cup", 23, 5),
    "whole wheat bread": ("1 slice", 23, 5), "avocado": ("1/2 cup", 22, 5),
    "chicken breast": ("3 oz", 22, 5), "ground beef": ("3 oz", 20, 5),
    "broccoli": ("1/2 cup", 12, 3), "white rice": ("1/2 cup", 10, 2),
    "apple": ("1 medium", 9, 2), "carrot": ("1 medium", 7, 2),
}


def test_real_table_matches_the_ods_table_row_for_row(table: FoodTable):
    assert table.daily_value_mg == 420
    assert table.source and table.groups
    assert {f.name: (f.serving, f.mg, f.dv_percent) for f in table.foods} == ODS_TABLE
    assert [f.mg for f in table.foods] == sorted((f.mg for f in table.foods), reverse=True)
    for item in table.foods:
        assert item.name == item.name.lower()
        assert item.label


@pytest.mark.parametrize(
    ("query", "label", "figure"),
    [
        ("salmon", "Salmon, Atlantic, farmed, cooked", "26 mg"),
        ("avocado", "Avocado, cubed", "22 mg"),
        ("milk", "Milk", "24 mg"),
        ("bread", "Bread, whole wheat", "23 mg"),
        ("chicken", "Chicken breast, roasted", "22 mg"),
        ("oats", "Oatmeal, instant", "36 mg"),
    ],
)
def test_new_ods_rows_answer_foods_queries(table: FoodTable, query: str, label: str, figure: str):
    from bot.ui.texts import food_answer  # the rendering /foods uses

    found = find_food(table, query)
    assert found is not None and found.label == label
    assert figure in food_answer(found, table)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("almonds", "almonds"),
        ("Almond", "almonds"),
        ("almnds", "almonds"),
        ("ALMONDS!", "almonds"),
        ("  almonds?  ", "almonds"),
        ("almodns", "almonds"),  # transposition
        ("chia", "chia seeds"),
        ("chia seed", "chia seeds"),
        ("spinach", "spinach"),
        ("spinch", "spinach"),
        ("peanut butter", "peanut butter"),
        ("Peanut-Butter", "peanut butter"),
        ("peanutbutter", "peanut butter"),
        ("peanut", "peanuts"),
        ("black bean", "black beans"),
        ("black", "black beans"),
        ("banana", "banana"),
        ("bananas", "banana"),
        ("pumpkin", "pumpkin seeds"),
        ("pumkin", "pumpkin seeds"),
        ("pepitas", "pumpkin seeds"),
        ("Pumpkin seeds, roasted", "pumpkin seeds"),
        ("soy milk", "soymilk"),
        ("potatoes", "potato"),
        ("cashew", "cashews"),
        ("yoghurt", "yogurt"),
    ],
)
def test_find_food_is_forgiving(table: FoodTable, query: str, expected: str):
    found = find_food(table, query)
    assert found is not None, query
    assert found.name == expected


@pytest.mark.parametrize(
    "query",
    ["", "   ", "?!", "123", "42 mg", "seeds", "nuts", "beans", "chai", "pizza", "rice", "butter"],
)
def test_find_food_refuses_to_guess(table: FoodTable, query: str):
    assert find_food(table, query) is None


def test_long_queries_are_rejected_quickly(table: FoodTable):
    started = time.perf_counter()
    assert find_food(table, "almonds " * 13) is None  # 104 characters
    assert find_food(table, "a" * 5000) is None
    assert find_food(table, "almonds" + " x" * 2500) is None
    assert suggest_foods(table, "b" * 5000)
    assert time.perf_counter() - started < 0.5


def test_ambiguous_leading_word_is_not_guessed():
    foods = make_table(food("white rice"), food("white beans"), food("carrots"), food("parrots"))
    assert find_food(foods, "white") is None
    assert find_food(foods, "white bean").name == "white beans"
    assert find_food(foods, "barrots") is None  # one edit from two foods
    assert find_food(foods, "carrot").name == "carrots"


def test_plural_forms():
    foods = make_table(food("berries"), food("tomatoes"), food("peach"))
    assert find_food(foods, "berry").name == "berries"
    assert find_food(foods, "tomato").name == "tomatoes"
    assert find_food(foods, "peaches").name == "peach"


def test_normalize():
    assert normalize("  Crème-Fraîche’s, 70%!  ") == "creme fraiches 70"


# --- suggestions --------------------------------------------------------------------------


def test_suggestions_for_a_partial_word(table: FoodTable):
    names = [f.name for f in suggest_foods(table, "seeds")]
    assert set(names[:2]) == {"pumpkin seeds", "chia seeds"}
    assert len(names) <= 4
    assert len(names) == len(set(names))


def test_suggestions_fall_back_to_richest_foods(table: FoodTable):
    richest = sorted(table.foods, key=lambda f: -f.mg)[:3]
    assert suggest_foods(table, "zzzz qqqq", limit=3) == richest
    assert suggest_foods(table, "!!!", limit=3) == richest
    assert suggest_foods(table, "", limit=3) == richest
    assert suggest_foods(table, "almonds", limit=0) == []


def test_suggestions_respect_limit(table: FoodTable):
    assert len(suggest_foods(table, "nuts", limit=2)) <= 2


# --- percent_of ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mg", "need", "expected"),
    [
        (0, 420, 0),
        (420, 420, 100),
        (156, 420, 37),
        (1, 40, 3),
        (3, 200, 2),
        (1, 200, 1),
        (1, 3, 33),
    ],
)
def test_percent_of_rounds_half_up(mg: int, need: int, expected: int):
    assert percent_of(mg, need) == expected


def test_percent_of_rejects_zero_need():
    with pytest.raises(ValueError):
        percent_of(10, 0)


# --- loader errors -----------------------------------------------------------------------------

TABLE_OK = """
daily_value_mg = 420
source = "NIH"
groups = ["nuts"]

[[food]]
name = "almonds"
label = "Almonds, dry roasted"
aliases = ["almond"]
serving = "1 oz (28 g)"
mg = 80
dv_percent = 19

[[food]]
name = "cashews"
label = "Cashews, dry roasted"
aliases = []
serving = "1 oz (28 g)"
mg = 74
dv_percent = 18
"""


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    monkeypatch.chdir(tmp_path)
    return directory


def write_table(directory: Path, content: str) -> None:
    (directory / "foods_table.toml").write_text(textwrap.dedent(content).lstrip("\n"), "utf-8")


def test_loads_a_small_table(data_dir: Path):
    write_table(data_dir, TABLE_OK)
    loaded = load_foods(data_dir)
    assert [f.name for f in loaded.foods] == ["almonds", "cashews"]
    assert loaded.foods[0].aliases == ("almond",)
    assert loaded.groups == ("nuts",)
    assert find_food(loaded, "cashew").name == "cashews"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("dv_percent = 18", "dv_percent = 25", ":13: food 'cashews': dv_percent is 25 but 74 mg"),
        ("mg = 74", 'mg = "74"', ":13: food 'cashews': 'mg' must be a whole number"),
        ("mg = 74", "mg = true", ":13: food 'cashews': 'mg' must be a whole number"),
        (
            'serving = "1 oz (28 g)"\nmg = 74',
            "mg = 74",
            ":13: food 'cashews': 'serving' is missing",
        ),
        ("aliases = []", 'aliases = ["almond"]', ":13: food 'cashews': 'almond' already names"),
        ('name = "cashews"', 'name = "Cashews"', "'name' must be lower-case words"),
        ("aliases = []", "aliasses = []", "unknown key(s) aliasses"),
        ("daily_value_mg = 420\n", "", "foods_table.toml: 'daily_value_mg' is missing"),
        ('groups = ["nuts"]', "groups = [1]", "'groups' must be a list of strings"),
        ("mg = 80", "mg = 80,", "foods_table.toml:10: TOML syntax error"),
    ],
)
def test_loader_errors_name_file_and_line(data_dir: Path, old: str, new: str, expected: str):
    write_table(data_dir, TABLE_OK.replace(old, new, 1))
    with pytest.raises(CatalogError) as caught:
        load_foods(data_dir)
    message = str(caught.value)
    assert message.startswith("data/foods_table.toml")
    assert expected in message


def test_table_without_foods(data_dir: Path):
    write_table(data_dir, 'daily_value_mg = 420\nsource = "x"\ngroups = []\n')
    with pytest.raises(CatalogError, match=r"no \[\[food\]\]"):
        load_foods(data_dir)
