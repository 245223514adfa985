"""What users read, checked as rendered by the real Application (issue 9, phase 2).

/causes is a short overview with a page per section; the warning signs carry their urgency
and name the emergency number only where the time zone makes the country clear; chest
symptoms are only ever an emergency. /start, /help and /about promise habits linked to fewer
cramps (never "prevent spasms") and say what the evidence shows; /about lists each source
once and everything stored. Every message fits Telegram's 4,096 characters.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from bot.services.needs import Profile, compute_need, statuses_for
from bot.ui import texts
from tests.helpers import OTHER_USER, USER
from tips.catalog import load_catalog
from tips.foods import load_foods
from tips.reference import load_causes, load_rda

TELEGRAM_LIMIT = 4096
OVERVIEW_LIMIT = 1000  # "an overview of at most ~1,000 characters" (issue 9)
SOURCES_MD = Path(__file__).resolve().parent.parent / "tips" / "data" / "SOURCES.md"
SECTION_BUTTONS = ("causes:signs", "causes:why", "causes:helps")
# The old promise ("one short tip a day to help prevent muscle spasms") in any form; a hedged
# "may help prevent" or an "unlikely to prevent" about the evidence is not a promise.
PROMISE_BREAKERS = re.compile(
    r"(?<!may )\bhelps? (to )?prevent\b|(?<!help )\bprevents? (muscle )?(spasms?|cramps?)\b",
    re.IGNORECASE)


def plain(html: str) -> str:
    """What the reader sees: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+|\n+", plain(text)) if part.strip()]


async def causes_screens(bot, chat_id: int = USER) -> dict[str, str]:
    """/causes and every section behind its buttons, each drawn in place, then back."""
    overview = await bot.reply("/causes", chat_id=chat_id)
    screens = {"overview": overview.text}
    assert sorted(overview.callback_data) == sorted(SECTION_BUTTONS)
    for data in SECTION_BUTTONS:
        assert await bot.press(overview, data) == [], "a section edits the message in place"
        assert overview.callback_data == ["causes:home"]
        assert "◀ Back" in str(overview.reply_markup)
        screens[data] = overview.text
        assert await bot.press(overview, "causes:home") == []
        assert overview.text == screens["overview"]
    return screens


def urgency_blocks(signs_text: str) -> dict[str, str]:
    """The warning-signs page as {heading line: the items under it}."""
    blocks: dict[str, str] = {}
    for block in plain(signs_text).split("\n\n")[1:]:
        heading, _, items = block.partition("\n")
        blocks[heading] = items
    return blocks


# ------------------------------------------------------------------ /causes

async def test_causes_is_a_short_overview_with_sections_that_fit_a_phone(bot):
    await bot.start()
    screens = await causes_screens(bot)
    assert len(plain(screens["overview"])) <= OVERVIEW_LIMIT
    for name, text in screens.items():
        assert len(text) < TELEGRAM_LIMIT, name
    why = plain(screens["causes:why"]).lower()
    for needle in ("poor diet", "crohn", "celiac", "type 2 diabetes", "long-term heavy drinking",
                   "dehydration", "heavy sweating", "potassium", "statins", "diuretics", "ppis"):
        assert needle in why, needle
    assert "alcoholism" not in why
    helps = plain(screens["causes:helps"]).lower()
    assert "during a cramp" in helps and "stretch" in helps and "cochrane" in helps


async def test_warning_signs_carry_their_urgency(bot):
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    blocks = urgency_blocks((await causes_screens(bot))["causes:signs"])
    # The four steps of the ladder, most urgent first, each heading worded once.
    assert [heading[2:].strip() for heading in blocks] == [
        "Emergency: call 112 now", "Get medical help now", "Get medical help the same day",
        "Book a doctor’s appointment"]
    emergency, now, same_day, appointment = (items.lower() for items in blocks.values())
    for needle in ("chest pain", "breathless", "tetanus", "jaw", "seizure"):
        assert needle in emergency, needle
    for needle in ("more than 10 minutes", "lead or mercury", "stop taking the statin",
                   "cola-coloured urine"):
        assert needle in now, needle
    for needle in ("swollen, warm, red or darker", "one leg", "irregular",
                   "any other new medicine"):
        assert needle in same_day, needle
    for needle in ("numbness", "tingling", "sleep", "weaker", "severe pain"):
        assert needle in appointment, needle
    assert "tetanus" not in same_day and "10 minutes" not in same_day


@pytest.mark.parametrize(("zone", "expected"), [
    ("Europe/Berlin", "call 112"), ("Europe/London", "call 999"),
    ("America/New_York", "call 911"), ("America/Toronto", "call 911"),
    ("UTC", "call your local emergency number"),
    ("Asia/Kolkata", "call your local emergency number"),
])
async def test_the_emergency_number_follows_the_time_zone(bot, zone, expected):
    await bot.start()
    await bot.reply(f"/timezone {zone}")
    screens = await causes_screens(bot)
    for name in ("overview", "causes:signs"):
        assert expected in plain(screens[name]), name
    others = {"call 112", "call 999", "call 911"} - {expected}
    assert not any(other in plain(screens[name]) for other in others for name in screens)


async def test_someone_not_subscribed_is_told_their_local_number(bot):
    screens = await causes_screens(bot, chat_id=OTHER_USER)
    assert "call your local emergency number" in plain(screens["causes:signs"])
    assert "call your local emergency number" in plain(screens["overview"])


async def test_causes_never_treats_chest_symptoms_as_a_spasm(bot):
    await bot.start()
    screens = await causes_screens(bot)
    chest = [s for text in screens.values() for s in sentences(text) if "chest" in s.lower()]
    assert chest, "the emergency sign must be there"
    for sentence in chest:
        lowered = sentence.lower()
        assert "emergency" in lowered or "not a cramp" in lowered, sentence
        for self_care in ("stretch", "massage", "rub", "magnesium"):
            assert self_care not in lowered, sentence


async def test_the_menu_button_opens_the_same_overview(bot):
    welcome = await bot.start()
    sent = await bot.press(welcome, "menu:causes")
    assert len(sent) == 1
    assert sent[0].text == (await bot.reply("/causes")).text
    assert sorted(sent[0].callback_data) == sorted(SECTION_BUTTONS)


async def test_a_forged_section_is_answered_politely(bot):
    overview = await bot.reply("/causes")
    before = overview.text
    assert await bot.press(overview, "causes:nonsense", strict=False) == []
    assert overview.text == before


# ------------------------------------------------------- /start, /help, /about

async def test_start_and_help_promise_habits_and_state_the_evidence(bot):
    for text in ((await bot.start()).text, (await bot.reply("/help")).text):
        seen = plain(text)
        assert "habits linked to fewer cramps" in seen
        assert "Cochrane review, 2020" in seen and "older adults" in seen
        assert "pregnancy" in seen and "no cause" in seen
        assert not PROMISE_BREAKERS.search(seen)
    assert "/causes — Why cramps happen, warning signs" in plain(
        (await bot.reply("/help")).text)


def canonical_sources() -> list[str]:
    return re.findall(r"^- \*\*(.+?)\*\* — <https?://", SOURCES_MD.read_text("utf-8"), re.M)


async def test_about_lists_each_source_once_and_everything_stored(bot):
    about = plain((await bot.reply("/about")).text)
    listed = about.split("Sources\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [line.removeprefix("• ") for line in listed]
    assert len(names) == len(set(names))
    assert set(names) <= set(canonical_sources())
    # The ODS fact sheet under one name only.
    assert sum("ODS" in name or "Office of Dietary Supplements" in name for name in names) == 1
    assert "Cochrane review, 2020" in about and "pregnancy" in about
    privacy = about.split("Privacy\n", 1)[1].lower()
    for needle in ("chat id", "time zone", "topics", "sent to you", "votes", "/need",
                   "not your messages", "/forget"):
        assert needle in privacy, needle


async def test_about_shows_a_source_named_twice_once(bot):
    text = texts.about(["NHS, Leg cramps", "Cochrane", "NHS, Leg cramps"])
    assert plain(text).count("NHS, Leg cramps") == 1


# ------------------------------------------------------------------ everything

def rendered_texts() -> dict[str, str]:
    """Every text the content drives, rendered as the bot would send it."""
    causes, rda, foods = load_causes(), load_rda(), load_foods()
    found: dict[str, str] = {
        "help": texts.help_text(),
        "about": texts.about([tip.source for tip in load_catalog()] + [foods.source]),
        "causes overview": texts.causes_overview(causes, None),
        "causes why": texts.causes_why(causes),
        "causes signs": texts.causes_signs(causes, "112"),
        "causes helps": texts.causes_helps(causes),
        "foods": texts.foods_table(foods, 420),
    }
    found |= {f"food {food.name}": texts.food_answer(food, foods) for food in foods.foods}
    found |= {f"tip {tip.id}": texts.tip_message(tip) for tip in load_catalog()}
    for band in rda.bands:
        for sex in ("male", "female"):
            for status in statuses_for(band, sex):
                need = compute_need(rda, foods, Profile(band.key, sex, status))
                assert need is not None
                found[f"need {band.key} {sex} {status}"] = texts.need_answer(need)
    return found


def module_strings() -> dict[str, str]:
    """Every sentence constant of the texts module (tuples of labels included)."""
    strings: dict[str, str] = {}
    for name, value in vars(texts).items():
        if isinstance(value, str):
            strings[name] = value
        elif isinstance(value, tuple):
            strings[name] = " ".join(str(item) for item in value)
        elif isinstance(value, dict):
            strings[name] = " ".join(str(item) for item in value.values())
    return strings


def test_no_text_promises_to_prevent_spasms():
    everything = rendered_texts() | module_strings()
    offenders = {name: PROMISE_BREAKERS.search(plain(text)).group(0)
                 for name, text in everything.items() if PROMISE_BREAKERS.search(plain(text))}
    assert offenders == {}


def test_every_rendered_text_fits_one_telegram_message():
    for name, text in rendered_texts().items():
        assert len(text) < TELEGRAM_LIMIT, name


async def test_welcome_fits_one_message(bot):
    assert len((await bot.start()).text) < TELEGRAM_LIMIT


# ------------------------------------------------------------------ /foods

@pytest.mark.parametrize(("query", "line"), [
    # NIH ODS Table 2 rows added in phase 1: serving, mg, %DV.
    ("salmon", "Salmon, Atlantic, farmed, cooked\n3 oz: 26 mg of magnesium — 6%"),
    ("avocado", "Avocado, cubed\n1/2 cup: 22 mg of magnesium — 5%"),
    ("milk", "Milk\n1 cup: 24 mg of magnesium — 6%"),
    ("halibut", "Halibut, cooked\n3 oz: 24 mg of magnesium — 6%"),
    ("broccoli", "Broccoli, chopped and boiled\n1/2 cup: 12 mg of magnesium — 3%"),
    ("white rice", "White rice, cooked\n1/2 cup: 10 mg of magnesium — 2%"),
])
async def test_new_food_rows_answer_with_figures(bot, query, line):
    assert line in plain((await bot.reply(f"/foods {query}")).text)


async def test_the_food_list_and_suggestions_include_the_new_rows(bot):
    table = plain((await bot.reply("/foods")).text)
    for line in ("Salmon, Atlantic, farmed, cooked — 3 oz: 26 mg (6% DV)",
                 "Avocado, cubed — 1/2 cup: 22 mg (5% DV)", "Milk — 1 cup: 24 mg (6% DV)",
                 "Carrot, raw — 1 medium: 7 mg (2% DV)"):
        assert line in table, line
    assert len(table) < TELEGRAM_LIMIT
    assert "salmon" in plain((await bot.reply("/foods salm")).text)
    assert "avocado" in plain((await bot.reply("/foods avo")).text)
