"""Done when: a person keeps a diary for a month, gets four weekly pictures, a report for
the doctor and an export, all through the real Application and the outbox."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.helpers import USER

pytestmark = pytest.mark.both_engines


async def test_a_month_of_diary_keeping(bot):
    bot.clock.set(datetime(2026, 11, 1, 23, 0, tzinfo=UTC))  # Monday 2 Nov, 00:00 Berlin
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    screen = await bot.reply("/diary")
    for data in ("ds:ci:menu", "ds:ci:07:00", "ds:st:menu", "ds:st:21:00"):
        await bot.press(bot.standin.message(USER, screen.message_id), data)

    answered = set()
    cramp_nights = 0
    for _ in range(30 * 24):
        bot.clock.advance(hours=1)
        await bot.deliver_due()
        question = bot.standin.last_message(USER)
        if question is None or "Any cramps last night" not in question.text \
                or question.message_id in answered:
            continue
        answered.add(question.message_id)
        no, yes = question.callback_data[:2]
        if len(answered) % 3 == 0:  # a cramp every third night, logged from the check-in
            await bot.press(question, yes)
            for data in ("cd:0--0", "cd:01-0", "cd:0110"):
                await bot.press(bot.standin.message(USER, question.message_id), data)
            cramp_nights += 1
        else:
            await bot.press(question, no)

    assert len(answered) == 30
    assert bot.rows("SELECT count(*) FROM diary_checkins") == [(30,)]
    assert bot.rows("SELECT count(*) FROM cramp_entries") == [(cramp_nights,)] == [(10,)]
    weekly = [m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text]
    assert len(weekly) == 4
    # Every check-in answered: 7 of 7 each full week.
    assert all("Check-ins answered: 7 of 7" in m.text for m in weekly)
    stretches = [m for m in bot.standin.messages_to(USER) if "One-minute stretch" in m.text]
    assert len(stretches) == 30 - 4  # Sundays give the stretch's place to the picture

    report = await bot.say("/report 4")
    assert "Cramps logged: " in report[0].text and report[1].media == "photo"
    assert report[2].media == "photo"
    weeks = list(csv.DictReader(io.StringIO(report[3].file_bytes.decode("utf-8"))))
    assert len(weeks) == 4
    files = await bot.say("/export")
    rows = list(csv.DictReader(io.StringIO(files[0].file_bytes.decode("utf-8"))))
    assert len(rows) == 10 and {r["when"] for r in rows} == {"last_night"}
    checkins = list(csv.DictReader(io.StringIO(files[1].file_bytes.decode("utf-8"))))
    assert len(checkins) == 30
