"""The week side by side through the real Application: a week of known cramps, glasses,
foods and stretches, whose weekly picture, /report text, PNG caption and CSV add up."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from tests.helpers import USER

MONDAY = date(2026, 11, 23)
# The plan of the week, Monday first (UTC, so local dates are UTC dates).
CRAMPS = {0: 1, 2: 2, 4: 1}  # day -> cramps logged "last night"
DAY_CRAMPS = {5: 1}  # day -> cramps logged "earlier today": not a night's
NO_CRAMPS = {1, 3}  # days whose morning check-in says "no cramps"
GLASSES = {0: 2, 1: 1, 5: 3}
ALMONDS = {0: 1, 3: 2}  # 80 mg a serving
STRETCHED = {0, 1, 3, 4}


def at(day: int, hour: int, minute: int = 1) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), datetime.min.time(),
                            UTC).replace(hour=hour, minute=minute)


async def live_the_week(bot) -> list:
    """Sign up on the Sunday before, turn on check-in (07:00) and stretch (21:00), and live
    the planned week up to Sunday 09:01, when the weekly picture comes."""
    bot.clock.set(at(-1, 12))
    await bot.start()
    screen = await bot.reply("/diary")
    for item, when in (("ci", "07:00"), ("st", "21:00")):
        await bot.press(screen, f"ds:{item}:menu")
        await bot.press(screen, f"ds:{item}:{when}")
    for day in range(6):
        bot.clock.set(at(day, 7))
        await bot.deliver_due()
        checkin = bot.standin.last_message(USER)
        stamp = (MONDAY + timedelta(days=day)).strftime("%Y%m%d")
        if day in NO_CRAMPS:
            await bot.press(checkin, f"ck:n:{stamp}")
        bot.clock.set(at(day, 12))
        for _ in range(CRAMPS.get(day, 0)):
            message = await bot.reply("/cramp")
            for data in ("cd:0---", "cd:01--", "cd:010-", "cd:0100"):
                await bot.press(message, data)
        for _ in range(DAY_CRAMPS.get(day, 0)):
            message = await bot.reply("/cramp")
            for data in ("cd:0---", "cd:01--", "cd:010-", "cd:0101"):
                await bot.press(message, data)
        for _ in range(GLASSES.get(day, 0)):
            await bot.say("/water")
        for _ in range(ALMONDS.get(day, 0)):
            await bot.say("/ate almonds")
        bot.clock.set(at(day, 21))
        await bot.deliver_due()
        stretch = bot.standin.last_message(USER)
        assert stretch.text.startswith("🧘 One-minute stretch"), stretch.text
        if day in STRETCHED:
            await bot.press(stretch, f"sd:{stamp}")
    before = len(bot.standin.messages_to(USER))
    bot.clock.set(at(6, 9, 30))
    await bot.deliver_due()
    weekly = [m for m in bot.standin.messages_to(USER)[before:]
              if "Your cramp week" in m.text]
    assert len(weekly) == 1
    return weekly


EXPECTED_DAYS = [
    "Mon 23 Nov: 🌙 1 · 💧 2 · 🍽 80 mg · 🧘 ✓",
    "Tue 24 Nov: 🌙 0 · 💧 1 · 🍽 0 mg · 🧘 ✓",
    "Wed 25 Nov: 🌙 2 · 💧 0 · 🍽 0 mg · 🧘 —",
    "Thu 26 Nov: 🌙 0 · 💧 0 · 🍽 160 mg · 🧘 ✓",
    "Fri 27 Nov: 🌙 1 · 💧 0 · 🍽 0 mg · 🧘 ✓",
    "Sat 28 Nov: 🌙 — · 💧 3 · 🍽 0 mg · 🧘 —",
    "Sun 29 Nov: 🌙 — · 💧 0 · 🍽 0 mg · 🧘 —",
]
EXPECTED_COUNTS = [
    "🌙 3 nights with cramps, 2 cramp-free",
    "💧 Water logged on 3 of 7 days",
    "🧘 Stretched on 4 of 7 days",
]
CAREFUL = "A diary shows what moves together, not what causes what."


async def test_a_known_week_adds_up_in_the_picture_the_report_the_png_and_the_csv(bot):
    weekly = (await live_the_week(bot))[0]
    lines = weekly.text.split("\n")
    for line in [*EXPECTED_DAYS, *EXPECTED_COUNTS]:
        assert line in lines, line
    assert weekly.text.count(CAREFUL) == 1
    assert "Nights with cramps: 3 (0)" in weekly.text
    assert "☀️ Days with daytime cramps: 1 (0)" in lines
    assert ("🍽 Magnesium from the foods you logged: about 240 mg this week, 8% of the adult "
            "figure for 7 days (2,940 mg; /need gives your own). A rough estimate from what "
            "you logged, not everything you ate.") in lines

    photos = await bot.press(weekly, weekly.callback_data[0])
    assert [p.media for p in photos] == ["photo", "photo"]
    assert photos[1].text.split("\n") == ["Your week side by side, 23–29 Nov",
                                          *EXPECTED_COUNTS]
    image = Image.open(io.BytesIO(photos[1].file_bytes))
    assert image.format == "PNG" and image.size == (960, 540)

    answers = await bot.say("/report 4")
    assert [a.media for a in answers] == [None, "photo", "photo", "document"]
    report = answers[0].text.split("\n")
    for line in [*EXPECTED_DAYS, *EXPECTED_COUNTS]:
        assert line in report, line
    assert answers[0].text.count(CAREFUL) == 1
    assert "23 Nov: 🌙 3 · cramp-free 2 · 💧 3/7 · 🍽 240 mg · 🧘 4/7" in report
    assert "16 Nov: 🌙 0 · cramp-free 0 · 💧 0/7 · 🍽 — · 🧘 0/7" in report
    assert answers[2].text.split("\n") == photos[1].text.split("\n")

    rows = list(csv.DictReader(io.StringIO(answers[3].file_bytes.decode("utf-8"))))
    week = rows[-1]
    assert week["week_start"] == "2026-11-23"
    assert (week["nights_with_cramps"], week["cramp_free_nights"], week["days_water_logged"],
            week["glasses_logged"], week["magnesium_mg_estimate"], week["days_stretched"]) \
        == ("3", "2", "3", "6", "240", "4")
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert [week[f"{d}_night_cramps"] for d in days] == ["1", "0", "2", "0", "1", "", ""]
    assert [week[f"{d}_glasses"] for d in days] == ["2", "1", "0", "0", "0", "3", "0"]
    assert [week[f"{d}_magnesium_mg_estimate"] for d in days] == [
        "80", "0", "0", "160", "0", "0", "0"]
    assert [week[f"{d}_stretched"] for d in days] == ["yes", "yes", "", "yes", "yes", "", ""]
    assert [week[f"{d}_date"] for d in days] == [
        (MONDAY + timedelta(days=n)).isoformat() for n in range(7)]
    earlier = rows[-2]  # a week before any log: empty, not zero, where zero would claim
    assert (earlier["glasses_logged"], earlier["magnesium_mg_estimate"],
            earlier["mon_glasses"], earlier["mon_night_cramps"]) == ("", "", "", "")
