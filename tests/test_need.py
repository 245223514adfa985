"""/need: the RDA figure for every age band × sex × life stage, stored for /foods, with the
band's own supplement limit and a food example that suits the age."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services.needs import Profile, compute_need, example_foods, example_problems, statuses_for
from bot.ui import texts
from tests.helpers import OTHER_USER, USER
from tips.foods import load_foods
from tips.reference import load_rda

pytestmark = pytest.mark.both_engines

# The NIH ODS RDA table (mg/day), written out by hand so a mix-up in the loader or in the
# band/sex/status lookup cannot agree with itself.
NIH_RDA: dict[tuple[str, str, str], int] = {
    ("1-3", "male", "none"): 80, ("1-3", "female", "none"): 80,
    ("4-8", "male", "none"): 130, ("4-8", "female", "none"): 130,
    ("9-13", "male", "none"): 240, ("9-13", "female", "none"): 240,
    ("14-18", "male", "none"): 410, ("14-18", "female", "none"): 360,
    ("14-18", "female", "pregnancy"): 400, ("14-18", "female", "lactation"): 360,
    ("19-30", "male", "none"): 400, ("19-30", "female", "none"): 310,
    ("19-30", "female", "pregnancy"): 350, ("19-30", "female", "lactation"): 310,
    ("31-50", "male", "none"): 420, ("31-50", "female", "none"): 320,
    ("31-50", "female", "pregnancy"): 360, ("31-50", "female", "lactation"): 320,
    ("51+", "male", "none"): 420, ("51+", "female", "none"): 320,
}
BANDS_WITH_PREGNANCY = {"14-18", "19-30", "31-50"}
# Upper limit for magnesium from supplements and medicines (National Academies, via NIH ODS).
SUPPLEMENT_LIMIT = {"1-3": 65, "4-8": 110, "9-13": 350, "14-18": 350, "19-30": 350,
                    "31-50": 350, "51+": 350}
CHILD_BANDS = {"1-3", "4-8", "9-13"}
YOUNG_BANDS = {"1-3", "4-8"}


async def walk_need(bot, band: str, sex: str, status: str, chat_id: int = USER):
    """Answer the /need questions by pressing buttons; returns the (edited) message."""
    prompt = await bot.reply("/need", chat_id=chat_id)
    assert await bot.press(prompt, f"need:age:{band}") == [], "steps edit, not add"
    assert prompt.callback_data == [f"need:sex:{band}:male", f"need:sex:{band}:female"]
    await bot.press(prompt, f"need:sex:{band}:{sex}")
    asked = any(data.startswith("need:st:") for data in prompt.callback_data)
    assert asked == (sex == "female" and band in BANDS_WITH_PREGNANCY), prompt.callback_data
    if asked:
        assert prompt.callback_data == [f"need:st:{band}:female:{s}"
                                        for s in ("none", "pregnancy", "lactation")]
        await bot.press(prompt, f"need:st:{band}:{sex}:{status}")
    else:
        assert status == "none"
    assert prompt.callback_data == [], "the answer carries no buttons"
    return prompt


def test_expected_table_covers_every_combination_the_bot_offers():
    rda = load_rda()
    offered = {(band.key, sex, status) for band in rda.bands for sex in ("male", "female")
               for status in statuses_for(band, sex)}
    assert offered == set(NIH_RDA)


@pytest.mark.parametrize(("band", "sex", "status"), sorted(NIH_RDA))
async def test_need_gives_the_table_figure_and_stores_it(bot, band, sex, status):
    await bot.start()
    answer = await walk_need(bot, band, sex, status)
    expected = NIH_RDA[(band, sex, status)]
    assert f"{expected} mg a day" in answer.text
    limit = SUPPLEMENT_LIMIT[band]
    assert f"Supplement limit: {limit} mg a day." in answer.text
    if limit != 350:
        assert "350 mg" not in answer.text, "a young child must never see the adult limit"
    assert "not from food" in answer.text
    assert ("paediatrician" in answer.text) == (band in CHILD_BANDS)
    assert "Ask a healthcare professional" in answer.text
    assert "(US RDA, National Academies, via NIH ODS)" in answer.text
    if band in YOUNG_BANDS:  # the choking note is for under-9s only, not 9-13
        assert "Never give whole nuts to children under 5" in answer.text
        assert "adult-size servings" in answer.text
    else:
        assert "If you are allergic to any food in this example" in answer.text
    rows = bot.rows(
        "SELECT need_mg, need_profile FROM subscribers WHERE chat_id = ?", (USER,))
    assert rows == [(expected, f"{band}:{sex}:{status}")]


async def test_a_toddler_gets_a_nut_free_example_and_the_65_mg_limit(bot):
    await bot.start()
    answer = await walk_need(bot, "1-3", "male", "none")
    assert "Yogurt, plain, low fat — 8 oz: 42 mg" in answer.text
    assert "Banana — 1 medium: 32 mg" in answer.text
    assert "Together: 74 mg, 93% of your need." in answer.text
    assert "Supplement limit: 65 mg a day." in answer.text
    assert "only give a child a magnesium supplement if a paediatrician advises it" in (
        answer.text.lower())
    examples = [line for line in answer.text.lower().splitlines() if line.startswith("• ")]
    assert len(examples) == 2
    for nut in ("almond", "cashew", "peanut", "nut butter"):
        assert not any(nut in line for line in examples), nut
    # The children's note sits under the example: choking and allergies.
    assert "never give whole nuts to children under 5" in answer.text.lower()
    assert "allergens" in answer.text


async def test_answer_for_an_adult_is_a_varied_day(bot):
    await bot.start()
    answer = await walk_need(bot, "31-50", "male", "none")
    assert "420 mg a day" in answer.text
    for line in ("Shredded wheat cereal — 2 large biscuits: 61 mg",
                 "Soymilk, plain or vanilla — 1 cup: 61 mg",
                 "Almonds, dry roasted — 1 oz (28 g): 80 mg",
                 "Black beans, cooked — 1/2 cup: 60 mg", "Brown rice, cooked — 1/2 cup: 42 mg",
                 "Spinach, boiled — 1/2 cup: 78 mg"):
        assert line in answer.text
    assert "Pumpkin seeds" not in answer.text and "Chia" not in answer.text
    assert "Together: 382 mg, 91% of your need." in answer.text
    assert "everything else you eat" in answer.text
    assert "Supplement limit: 350 mg a day." in answer.text
    assert "paediatrician" not in answer.text


async def test_foods_shows_percent_of_need_after_need(bot):
    await bot.start()
    assert "of your need" not in (await bot.reply("/foods")).text
    await walk_need(bot, "31-50", "female", "none")  # 320 mg
    table = (await bot.reply("/foods")).text
    assert "Pumpkin seeds, roasted — 1 oz (28 g): 156 mg (37% DV, 49% of your need)" in table
    assert "Banana — 1 medium: 32 mg (8% DV, 10% of your need)" in table


async def test_a_second_need_replaces_the_first(bot):
    await bot.start()
    await walk_need(bot, "19-30", "female", "pregnancy")
    await walk_need(bot, "51+", "male", "none")
    sub = await bot.subscriber()
    assert (sub.need_mg, sub.need_profile) == (420, "51+:male:none")


async def test_non_subscriber_is_sent_to_start_and_nothing_is_created(bot):
    answer = await bot.reply("/need", chat_id=OTHER_USER)
    assert answer.text == texts.need_not_subscribed()
    assert "/start" in answer.text and answer.callback_data == []
    # A final-step press from an old message (e.g. after /forget) creates nothing either.
    edited = await bot.press(answer, "need:sex:51+:male", strict=False)
    assert edited == [] and answer.text == texts.need_not_subscribed()
    assert bot.rows("SELECT count(*) FROM subscribers") == [(0,)]


async def test_need_in_a_group_asks_for_a_private_chat(bot):
    group = -100777
    await bot.reply("/start", chat_id=group, chat_type="group", user_id=USER)
    answer = await bot.reply("/need", chat_id=group, chat_type="group", user_id=USER)
    assert answer.text == texts.not_in_groups()
    # A forged final-step press in the group stores nothing on the group's row either.
    assert await bot.press(answer, "need:sex:51+:male", strict=False, user_id=USER) == []
    assert bot.standin.answered_callbacks[-1].text == texts.button_expired()
    assert (await bot.subscriber(group)).need_mg is None


@pytest.mark.parametrize("data", [
    "need:age:200-300",             # a band that does not exist
    "need:sex:31-50:other",         # not a sex the table has
    "need:st:51+:female:pregnancy",  # no pregnancy figure for 51+
    "need:st:31-50:male:lactation",  # not offered to men
    "need:st:31-50:female",          # truncated
    "need:",
])
async def test_forged_or_stale_need_data_changes_nothing(bot, data):
    await bot.start()
    prompt = await bot.reply("/need")
    assert await bot.press(prompt, data, strict=False) == []
    assert bot.standin.answered_callbacks[-1].text == texts.button_expired()
    assert prompt.text.startswith("🎯 Your daily magnesium need")  # not edited
    assert (await bot.subscriber()).need_mg is None


async def test_double_tap_on_a_step_is_harmless(bot):
    await bot.start()
    prompt = await bot.reply("/need")
    await bot.press(prompt, "need:age:9-13")
    await bot.press(prompt, "need:age:9-13", strict=False)  # same screen again
    assert bot.standin.internal_errors == []
    assert prompt.callback_data == ["need:sex:9-13:male", "need:sex:9-13:female"]
    assert len(bot.standin.messages_to(USER)) == 3  # /start (welcome, zone question), /need


def test_every_need_button_fits_telegrams_64_bytes():
    from bot.ui.keyboards import age_keyboard, sex_keyboard, status_keyboard

    rda = load_rda()
    markups = [age_keyboard(rda)]
    for band in rda.bands:
        markups += [sex_keyboard(band), status_keyboard(band, "female")]
    datas = [b.callback_data for m in markups for row in m.inline_keyboard for b in row]
    assert len(datas) > 20
    assert all(isinstance(d, str) and len(d.encode()) <= 64 for d in datas)


# ---- the food example and limit, as pure rules -------------------------------------------


@pytest.mark.parametrize("band", sorted(SUPPLEMENT_LIMIT))
def test_every_band_has_its_own_limit_and_a_resolvable_example(band):
    rda, foods = load_rda(), load_foods()
    need = compute_need(rda, foods, Profile(band, "female"))
    assert need is not None
    assert need.upper_limit_mg == SUPPLEMENT_LIMIT[band]
    assert need.child == (band in CHILD_BANDS)
    assert need.servings and need.servings_mg == sum(food.mg for food in need.servings)
    assert need.food_note, "every example carries a note (allergy; choking for children)"
    if band in {"1-3", "4-8"}:
        assert "whole nuts" in need.food_note and "allergen" in need.food_note


def test_an_example_naming_a_food_the_table_lacks_is_reported():
    rda, foods = load_rda(), load_foods()
    assert example_problems(rda, foods) == []
    broken = dataclasses.replace(rda.bands[0], example=("yogurt", "dragon fruit"))
    with pytest.raises(ValueError, match="dragon fruit"):
        example_foods(foods, broken)
    table = dataclasses.replace(rda, bands=(broken, *rda.bands[1:]))
    assert example_problems(table, foods) == [
        "band 1-3: example food(s) not in the food table: dragon fruit"]


def test_compute_need_rejects_combinations_the_table_does_not_have():
    rda, foods = load_rda(), load_foods()
    assert compute_need(rda, foods, Profile("51+", "female", "pregnancy")) is None
    assert compute_need(rda, foods, Profile("31-50", "male", "lactation")) is None
    assert compute_need(rda, foods, Profile("99-100", "male")) is None
    assert Profile.parse("31-50:female:none") == Profile("31-50", "female", "none")
    assert Profile.parse("31-50:female") is None
