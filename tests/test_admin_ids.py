"""/cancel and /retire with a missing, huge or odd id answer with usage and an example."""

from __future__ import annotations

import logging

import pytest

from tests.helpers import ADMIN

ODD = ["", "99999999999999999999999999", "-1", "1.5", "³", "١٢", "abc", "1 2",
       "0x10", "<b>1</b>", "x" * 5000]


@pytest.mark.parametrize("raw", ODD)
async def test_cancel_with_an_odd_id_answers_with_usage(bot, caplog, raw):
    answer = await bot.reply(f"/cancel {raw}".strip(), chat_id=ADMIN)
    assert "/cancel 3" in answer.text
    assert len(answer.text) < 300
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("raw", [*ODD, "HYD 001", "../tips", "food_003", "a" * 33])
async def test_retire_with_an_odd_id_answers_with_usage(bot, caplog, raw):
    answer = await bot.reply(f"/retire {raw}".strip(), chat_id=ADMIN)
    assert "/retire food-003" in answer.text
    assert len(answer.text) < 300
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert bot.rows("SELECT count(*) FROM tips WHERE retired = 1") == [(0,)]


async def test_a_well_formed_id_still_works(bot):
    assert "no running broadcast" in (await bot.reply("/cancel 7", chat_id=ADMIN)).text
    assert "out of the rotation" in (await bot.reply("/retire food-001", chat_id=ADMIN)).text
