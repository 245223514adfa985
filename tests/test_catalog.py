"""Tip catalog and reference loaders: good files load, bad files point at file:line."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tips.catalog import (
    DATA_DIR,
    MAX_TIP_LENGTH,
    TOPIC_EMOJI,
    TOPICS,
    CatalogError,
    Tip,
    load_catalog,
    make_tip,
    read_toml,
    table_header_lines,
    validate_tip,
)
from tips.reference import BAND_KEYS, load_causes, load_rda


def write(directory: Path, name: str, content: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return path


def write_causes(directory: Path, content: str) -> Path:
    """causes.toml next to the real urgency ladder its warning signs are graded on."""
    shutil.copy(DATA_DIR / "urgency.toml", directory / "urgency.toml")
    return write(directory, "causes.toml", content)


def tip_toml(
    tip_id: str, topic: str = "rest", text: str = "Stretch gently.", source: str = "NIH"
) -> str:
    return f'[[tip]]\nid = "{tip_id}"\ntopic = "{topic}"\ntext = "{text}"\nsource = "{source}"\n\n'


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory, with cwd at its parent so messages read 'data/x.toml:N'."""
    directory = tmp_path / "data"
    directory.mkdir()
    monkeypatch.chdir(tmp_path)
    return directory


# --- topics and validate_tip -------------------------------------------------------


def test_topics_are_ordered_and_have_emoji():
    assert list(TOPICS) == ["hydration", "foods", "rest", "electrolytes", "doctor"]
    assert TOPICS["foods"] == "Magnesium-rich foods"
    assert list(TOPIC_EMOJI) == list(TOPICS)
    assert list(TOPIC_EMOJI.values()) == ["💧", "🥬", "😴", "⚡", "🩺"]


def test_validate_tip_accepts_a_good_tip():
    assert validate_tip("rest-001", "rest", "  Sleep well.  ", "NIH") == []


@pytest.mark.parametrize(
    ("tip_id", "topic", "text", "source", "expected"),
    [
        ("", "rest", "t", "s", "id is empty"),
        ("   ", "rest", "t", "s", "id is empty"),
        ("Rest-1", "rest", "t", "s", "id 'Rest-1' must be"),
        ("-rest", "rest", "t", "s", "id '-rest' must be"),
        ("r", "rest", "t", "s", "id 'r' must be"),
        ("a" * 33, "rest", "t", "s", "must be 2-32 characters"),
        ("rest_1", "rest", "t", "s", "id 'rest_1' must be"),
        ("rest-1", "sleep", "t", "s", "unknown topic 'sleep' (known: hydration, foods, rest,"),
        ("rest-1", "", "t", "s", "unknown topic (empty)"),
        ("rest-1", "rest", " \n ", "s", "text is empty"),
        ("rest-1", "rest", "x" * 601, "s", "text is 601 characters (max 600)"),
        ("rest-1", "rest", "t", "  ", "source is empty"),
    ],
)
def test_validate_tip_reports_each_problem(tip_id, topic, text, source, expected):
    problems = validate_tip(tip_id, topic, text, source)
    assert len(problems) == 1
    assert expected in problems[0]


def test_validate_tip_measures_text_after_stripping():
    assert validate_tip("rest-1", "rest", "  " + "x" * MAX_TIP_LENGTH + "\n", "s") == []


def test_validate_tip_reports_all_problems_at_once():
    assert len(validate_tip("", "nope", "", "")) == 4


def test_make_tip_strips_and_rejects():
    assert make_tip(" rest-1 ", "rest ", " Sleep. ", " NIH ") == Tip(
        "rest-1", "rest", "Sleep.", "NIH"
    )
    with pytest.raises(ValueError, match="text is empty; source is empty"):
        make_tip("rest-1", "rest", "", "")


# --- load_catalog: good files --------------------------------------------------------


def test_loads_files_in_name_order_and_skips_non_tip_files(data_dir: Path):
    write(data_dir, "b.toml", tip_toml("b-1") + tip_toml("b-2", "doctor"))
    write(data_dir, "a.toml", tip_toml("a-1", "hydration", text="  Drink water.  "))
    write(data_dir, "foods_table.toml", "daily_value_mg = 420\n[[food]]\nname = 'x'\n")
    write(data_dir, "notes.txt", "not toml at all [[[")
    tips = load_catalog(data_dir)
    assert [tip.id for tip in tips] == ["a-1", "b-1", "b-2"]
    assert tips[0] == Tip("a-1", "hydration", "Drink water.", "NIH")


def test_tip_text_may_use_multiline_strings(data_dir: Path):
    write(
        data_dir,
        "rest.toml",
        '''
        [[tip]]
        id = "rest-1"
        topic = "rest"
        text = """
        Rest between sets. \\
        It helps."""
        source = "NIH"
        ''',
    )
    assert load_catalog(data_dir)[0].text == "Rest between sets. It helps."


def test_no_tips_at_all_is_an_error(data_dir: Path):
    write(data_dir, "rda.toml", "source = 'x'\n")
    with pytest.raises(CatalogError, match="no tips found"):
        load_catalog(data_dir)


def test_missing_directory_is_an_error(tmp_path: Path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "missing")


# --- load_catalog: errors point at file:line ------------------------------------------


def test_too_long_text_names_file_line_and_tip(data_dir: Path):
    write(
        data_dir,
        "rest.toml",
        tip_toml("rest-001") + tip_toml("rest-002") + tip_toml("rest-003", text="x" * 640),
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog(data_dir)
    assert (
        str(caught.value) == "data/rest.toml:13: tip 'rest-003': text is 640 characters (max 600)"
    )
    assert caught.value.line == 13
    assert caught.value.path.name == "rest.toml"


def test_unknown_topic(data_dir: Path):
    write(data_dir, "rest.toml", "# comment\n\n" + tip_toml("rest-001", topic="sleep"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(data_dir)
    message = str(caught.value)
    assert message.startswith("data/rest.toml:3: tip 'rest-001': unknown topic 'sleep'")
    assert "hydration, foods, rest, electrolytes, doctor" in message


def test_empty_source(data_dir: Path):
    write(
        data_dir,
        "doctor.toml",
        tip_toml("doc-1", "doctor") + tip_toml("doc-2", "doctor", source="  "),
    )
    with pytest.raises(CatalogError, match=r"^data/doctor\.toml:7: tip 'doc-2': source is empty$"):
        load_catalog(data_dir)


def test_duplicate_id_across_files_names_both(data_dir: Path):
    write(data_dir, "a.toml", tip_toml("a-1") + tip_toml("same-id"))
    write(data_dir, "b.toml", tip_toml("b-1") + tip_toml("b-2") + tip_toml("same-id"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(data_dir)
    assert str(caught.value) == (
        "data/b.toml:13: tip 'same-id': duplicate id (first defined at data/a.toml:7)"
    )


def test_duplicate_id_within_one_file(data_dir: Path):
    write(data_dir, "a.toml", tip_toml("a-1") + tip_toml("a-1"))
    with pytest.raises(
        CatalogError,
        match=r"a\.toml:7: tip 'a-1': duplicate id \(first defined at data/a\.toml:1\)",
    ):
        load_catalog(data_dir)


def test_toml_syntax_error_reports_file_and_line(data_dir: Path):
    write(data_dir, "hydration.toml", tip_toml("h-1", "hydration") + '[[tip]]\nid = "h-2\n')
    with pytest.raises(CatalogError) as caught:
        load_catalog(data_dir)
    message = str(caught.value)
    assert message.startswith("data/hydration.toml:8: TOML syntax error:")
    assert "(at line 8, column 10)" in message
    assert caught.value.line == 8


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('id = "x-1"\ntopic = "rest"\ntext = "t"\n', "tip 'x-1': missing 'source'"),
        (
            'id = "x-1"\ntopic = "rest"\ntext = 5\nsource = "s"\n',
            "tip 'x-1': 'text' must be a string",
        ),
        (
            'id = "x-1"\ntopic = "rest"\ntext = "t"\nsource = "s"\nsorce = "s"\n',
            "unknown key(s) sorce",
        ),
        ('topic = "rest"\ntext = "t"\nsource = "s"\n', "tip #2: missing 'id'"),
    ],
)
def test_malformed_tip_tables(data_dir: Path, body: str, expected: str):
    write(data_dir, "x.toml", tip_toml("x-0") + "[[tip]]\n" + body)
    with pytest.raises(CatalogError) as caught:
        load_catalog(data_dir)
    assert str(caught.value).startswith("data/x.toml:7: ")
    assert expected in str(caught.value)


def test_tip_key_that_is_not_a_table_array(data_dir: Path):
    write(data_dir, "x.toml", 'tip = "oops"\n')
    with pytest.raises(CatalogError, match="'tip' must be an array"):
        load_catalog(data_dir)


def test_header_scan_ignores_headers_inside_multiline_strings():
    text = textwrap.dedent(
        '''
        [[tip]]
        text = """
        [[tip]]
        """
          [[ tip ]]  # indented, commented
        [[tipsy]]
        [tip]
        '''
    ).lstrip("\n")
    assert table_header_lines(text, "tip") == [1, 5]


def test_read_toml_missing_file(tmp_path: Path):
    with pytest.raises(CatalogError, match="file not found"):
        read_toml(tmp_path / "nope.toml")


# --- the real catalog ---------------------------------------------------------------


def test_real_catalog_loads_with_enough_tips_on_every_topic():
    tips = load_catalog()
    assert len(tips) >= 60
    assert {tip.topic for tip in tips} == set(TOPICS)
    assert all(0 < len(tip.text) <= MAX_TIP_LENGTH for tip in tips)
    assert all(tip.source for tip in tips)
    assert len({tip.id for tip in tips}) == len(tips)


def test_real_tip_files_header_scan_matches_parser():
    """Line numbers in errors are only right if the scan finds every [[tip]] header."""
    for path in sorted(DATA_DIR.glob("*.toml")):
        data, text = read_toml(path)
        if "tip" in data:
            assert len(table_header_lines(text, "tip")) == len(data["tip"]), path.name


# --- reference loaders ----------------------------------------------------------------


def test_real_causes_load():
    causes = load_causes()
    assert causes.intro and causes.mechanism and causes.see_professional and causes.overview
    assert causes.deficiency_causes and causes.other_causes and causes.when_to_see_doctor
    assert causes.what_helps and causes.warning_signs
    assert all(title and text for title, text in causes.deficiency_causes + causes.other_causes)


def test_real_rda_loads():
    rda = load_rda()
    assert [band.key for band in rda.bands] == list(BAND_KEYS)
    assert rda.supplement_upper_limit_mg == 350
    assert [band.supplement_limit_mg for band in rda.bands] == [65, 110, 350, 350, 350, 350, 350]
    adult = rda.band("19-30")
    assert adult is not None and adult.male > adult.female > 0
    assert rda.band("no-such-band") is None


RDA_OK = """
source = "NIH"
upper_limit_note = "From supplements only."
child_limit_note = "Ask a paediatrician."
child_food_note = "No whole nuts."
food_note = "Swap what you can't eat."
absorbed_percent = "30-40"

[[band]]
key = "1-3"
label = "1-3 years"
male = 80
female = 80
supplement_limit_mg = 65
child = true
example = ["banana"]

[[band]]
key = "14-18"
label = "14-18 years"
male = 410
female = 360
pregnancy = 400
lactation = 360
supplement_limit_mg = 350
example = ["almonds", "spinach"]
"""


def test_rda_optional_pregnancy_and_lactation(data_dir: Path):
    write(data_dir, "rda.toml", RDA_OK)
    rda = load_rda(data_dir)
    child, teen = rda.bands
    assert child.pregnancy is None and child.lactation is None
    assert (teen.pregnancy, teen.lactation) == (400, 360)
    assert (child.supplement_limit_mg, child.child, child.example) == (65, True, ("banana",))
    assert (teen.supplement_limit_mg, teen.child) == (350, False)
    assert rda.supplement_upper_limit_mg == 350


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('source = "NIH"\n', "", "data/rda.toml: 'source' is missing"),
        ("male = 80\n", "", "data/rda.toml:8: band '1-3': 'male' is missing"),
        (
            "male = 80\n",
            'male = "80"\n',
            "data/rda.toml:8: band '1-3': 'male' must be a whole number",
        ),
        ('key = "14-18"', 'key = "1-3"', "data/rda.toml:17: band '1-3': duplicate band key"),
        ('key = "14-18"', 'key = "teen"', "data/rda.toml:17: band 'teen': unknown band key"),
        ("pregnancy = 400", "pregnancy = true", "'pregnancy' must be a whole number"),
        ("supplement_limit_mg = 65\n", "", "band '1-3': 'supplement_limit_mg' is missing"),
        ("child = true", 'child = "yes"', "band '1-3': 'child' must be true or false"),
        ('example = ["banana"]', "example = []", "band '1-3': 'example' is empty"),
        ('example = ["banana"]', 'example = ["banana", "banana"]', "'example' repeats a food"),
        ('child_limit_note = "Ask a paediatrician."\n', "", "'child_limit_note' is missing"),
    ],
)
def test_rda_errors_name_the_file(data_dir: Path, old: str, new: str, expected: str):
    write(data_dir, "rda.toml", RDA_OK.replace(old, new, 1))
    with pytest.raises(CatalogError) as caught:
        load_rda(data_dir)
    assert str(caught.value).startswith("data/rda.toml")
    assert expected in str(caught.value)


CAUSES_OK = """
overview = "Cramps are common."
intro = "Spasms are..."
mechanism = "Electrolytes..."
see_professional = "See someone."

[[deficiency_cause]]
title = "Poor diet"
text = "Few greens."

[[other_cause]]
title = "Dehydration"
text = "Too little water."

[[warning_sign]]
id = "severe"
level = "appointment"
text = "Severe pain"
source = "Mayo"

[[warning_sign]]
id = "chest"
level = "emergency"
text = "Chest pain"
source = "NHS"

[[what_helps]]
title = "Stretch"
text = "Before bed."
"""


def test_causes_load_from_a_file(data_dir: Path):
    write_causes(data_dir, CAUSES_OK)
    causes = load_causes(data_dir)
    assert causes.overview == "Cramps are common."
    assert causes.deficiency_causes == (("Poor diet", "Few greens."),)
    assert causes.other_causes == (("Dehydration", "Too little water."),)
    assert causes.what_helps == (("Stretch", "Before bed."),)
    # Most urgent first, whatever the file order.
    assert causes.when_to_see_doctor == ("Chest pain Call emergency services now.",
                                         "Severe pain Book an appointment with a doctor.")
    assert causes.signs_at("emergency") == ("Chest pain",)


def test_causes_overview_longer_than_a_phone_screen_is_refused(data_dir: Path):
    write_causes(data_dir, CAUSES_OK.replace("Cramps are common.", "x" * 1001))
    with pytest.raises(CatalogError, match=r"'overview' is 1001 characters \(max 1000"):
        load_causes(data_dir)
    write_causes(data_dir, CAUSES_OK.replace("Cramps are common.", "x" * 1000))
    assert len(load_causes(data_dir).overview) == 1000


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('intro = "Spasms are..."\n', "", "data/causes.toml: 'intro' is missing"),
        ('title = "Dehydration"\n', "", "data/causes.toml:10: other_cause #1: 'title' is missing"),
        ('level = "appointment"', 'level = "soon"', ":14: warning_sign #1: unknown level 'soon'"),
        ("[[other_cause]]", "[[other_causes]]", "unknown key(s) other_causes"),
        ('[[what_helps]]\ntitle = "Stretch"\ntext = "Before bed."', "", "no [[what_helps]]"),
    ],
)
def test_causes_errors_name_the_file(data_dir: Path, old: str, new: str, expected: str):
    write_causes(data_dir, CAUSES_OK.replace(old, new, 1))
    with pytest.raises(CatalogError) as caught:
        load_causes(data_dir)
    assert str(caught.value).startswith("data/causes.toml")
    assert expected in str(caught.value)


def test_missing_reference_file_names_it(data_dir: Path):
    with pytest.raises(CatalogError, match=r"^data/causes\.toml: file not found$"):
        load_causes(data_dir)
