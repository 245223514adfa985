"""A tip is judged as it will be sent: Telegram's 4,096-character limit, counted its way.

Telegram counts the text after parsing the HTML, in UTF-16 code units. What it must fit
is the whole message (topic header, text, source line; for a guest's /tip the invitation
as well), not only the tip's own text. Lengths here are measured by the stand-in's
parser (Telegram's rules), never by the code under test.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ui import limits
from standin.formatting import parse_formatted_text, utf16_len
from tests.helpers import ADMIN, USER
from tips.catalog import Tip

pytestmark = pytest.mark.both_engines

LIMIT = 4096
GUEST = 7007
ROOT = Path(__file__).resolve().parent.parent


def telegram_length(html: str) -> int:
    return utf16_len(parse_formatted_text(html, "HTML").text)


def admin_tips(bot) -> list[tuple]:
    return bot.rows("SELECT id FROM tips WHERE origin = 'admin'")


async def retire_the_catalogue(bot) -> None:
    """Leave only admin tips in the rotation, so /tip and the daily tick must pick them."""
    for (tip_id,) in bot.rows("SELECT id FROM tips"):
        await bot.storage.tips.set_retired(tip_id, True, bot.clock.now())
    await bot.runtime.deps.feed.refresh()


async def test_a_tip_over_the_limit_as_sent_is_refused_with_the_reason(bot):
    answers = await bot.say("/newtip rest " + "x" * 590 + " | " + "s" * 3600, chat_id=ADMIN)
    assert len(answers) == 1
    assert "Not saved" in answers[0].text and str(LIMIT) in answers[0].text
    assert admin_tips(bot) == []


async def test_characters_are_counted_in_utf16_like_telegram(bot):
    # 290 emoji are 290 code points but 580 UTF-16 units: in code points this tip
    # would fit, as Telegram counts it does not.
    text, source = "💪" * 290, "s" * 3550
    assert len(text) + len(source) < LIMIT - 100
    answers = await bot.say(f"/newtip rest {text} | {source}", chat_id=ADMIN)
    assert len(answers) == 1 and "Not saved" in answers[0].text
    assert admin_tips(bot) == []


async def test_a_tip_just_under_the_limit_is_saved_answered_and_sent(bot):
    await bot.say("/start")
    await retire_the_catalogue(bot)
    answers = await bot.say("/newtip rest " + "x" * 590 + " | " + "s" * 3300, chat_id=ADMIN)
    assert admin_tips(bot) == [("adm-001",)]
    assert answers and "Saved as adm-001" in answers[0].text  # the admin is answered
    assert answers[0].callback_data == ["nt:bc:adm-001"]

    guest = await bot.say("/tip", chat_id=GUEST)  # the longest form: with the invitation
    assert len(guest) == 1 and "s" * 3300 in guest[0].text
    assert 3900 < utf16_len(guest[0].text) <= LIMIT

    bot.clock.set(datetime(2026, 11, 25, 9, 0, 20, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    daily = bot.standin.messages_to(USER)[before:]
    assert len(daily) == 1 and "s" * 3300 in daily[0].text
    # its longest form: the tip of the day with the one-time sign-up reminder under it
    assert 4000 < utf16_len(daily[0].text) <= LIMIT
    assert bot.rows("SELECT status FROM deliveries WHERE kind = 'daily'") == [("sent",)]


def _tip(source_length: int, text: str = "x" * 590) -> Tip:
    return Tip(id="adm-001", topic="rest", text=text, source="s" * source_length)


def test_the_boundary_is_exactly_where_telegram_refuses():
    """For every length around the limit: accepted iff Telegram takes every rendering."""
    verdicts = set()
    for text in ("x" * 590, "💪" * 290, "a&b<c>" * 90):
        for source_length in range(3300, 3600):
            tip = _tip(source_length, text)
            fits = all(telegram_length(html) <= LIMIT for html in limits.tip_renderings(tip))
            assert (limits.tip_problem(tip) is None) == fits, (text[:3], source_length)
            verdicts.add(fits)
    assert verdicts == {True, False}  # the range really straddles the limit


async def test_a_stored_tip_too_long_to_send_is_quarantined_at_load(bot, caplog):
    long_tip = _tip(3600)
    await bot.storage.tips.add(long_tip, bot.clock.now())
    caplog.set_level(logging.WARNING)
    await bot.runtime.deps.feed.refresh()
    assert "adm-001" in bot.runtime.deps.feed.quarantined
    assert any("adm-001" in r.getMessage() and "quarantined" in r.getMessage()
               for r in caplog.records)
    await bot.say("/start")
    await retire_the_catalogue(bot)
    answer = await bot.reply("/tip")
    assert "s" * 100 not in answer.text  # never picked, so never a send that must fail


def test_run_py_check_names_a_quarantined_catalogue_tip(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    source = ROOT / "tips" / "data"
    for path in source.glob("*.toml"):
        (data / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    long_source = "s" * 3600
    extra = (f'\n[[tip]]\nid = "zz-long"\ntopic = "rest"\ntext = "{"x" * 590}"\n'
             f'source = "{long_source}"\n')
    tip_file = next(p for p in sorted(data.glob("*.toml"))
                    if "[[tip]]" in p.read_text(encoding="utf-8"))
    tip_file.write_text(tip_file.read_text(encoding="utf-8") + extra, encoding="utf-8")
    script = ("import sys, tips.catalog as c, pathlib; "
              f"c.DATA_DIR = pathlib.Path({str(data)!r}); "
              "c.load_catalog.__defaults__ = (c.DATA_DIR, None); "
              "from bot.runtime.cli import main; sys.exit(main(['check']))")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"DATABASE_PATH": str(tmp_path / "c.sqlite3"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "quarantined" in result.stdout and "zz-long" in result.stdout
