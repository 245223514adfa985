"""A reply hit by flood control or a timeout is tried again, a bounded number of times.

Specification: up to 3 tries per reply; a 429's retry_after is honoured when it is at
most 10 s (a longer wait gives up rather than hold the user's update); after a timeout
the wait is 1 s, then 2 s. Waits run on the test's clock, never in real time.
"""

from __future__ import annotations

import pytest

from bot.handlers import common
from standin import Fault
from tests.helpers import USER


@pytest.fixture
def waits(monkeypatch, clock):
    """Every wait the reply path asks for, made on the test's clock instead of sleeping."""
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        clock.advance(seconds=seconds)

    monkeypatch.setattr(common, "REPLY_RETRY", common.RetryPolicy(sleep=sleep))
    return asked


def failing_first(kind: str, times: int, **fault):
    """Fail the first `times` sendMessage calls to USER with `kind`, then let them through."""
    seen = {"n": 0}

    def policy(method, params):
        if method != "sendMessage" or int(params["chat_id"]) != USER:
            return None
        seen["n"] += 1
        return Fault(kind, **fault) if seen["n"] <= times else None

    return policy


def send_attempts(bot) -> int:
    return sum(1 for r in bot.standin.call_log if r.method == "sendMessage")


async def test_a_429_is_waited_out_and_the_reply_arrives(bot, waits):
    bot.standin.fault_policy = failing_first("retry_after", 1, retry_after=2)
    answers = await bot.say("/help")
    assert len(answers) == 1 and "/tip" in answers[0].text
    assert waits == [2]
    assert send_attempts(bot) == 2


async def test_timeouts_back_off_and_the_reply_arrives_on_the_third_try(bot, waits):
    bot.standin.fault_policy = failing_first("timeout", 2)
    answers = await bot.say("/causes")
    assert len(answers) == 1
    assert waits == [1, 2]
    assert send_attempts(bot) == 3


async def test_a_bad_gateway_is_retried_like_a_timeout(bot, waits):
    bot.standin.fault_policy = failing_first("server_error", 1)
    assert len(await bot.say("/about")) == 1
    assert waits == [1]


async def test_retries_are_bounded_to_three_tries(bot, waits, caplog):
    bot.standin.fault_policy = failing_first("retry_after", 99, retry_after=1)
    assert await bot.say("/help") == []
    assert send_attempts(bot) == 3
    assert waits == [1, 1]


async def test_a_long_retry_after_is_not_waited_for(bot, waits):
    bot.standin.fault_policy = failing_first("retry_after", 99, retry_after=11)
    assert await bot.say("/help") == []
    assert send_attempts(bot) == 1 and waits == []


async def test_a_refusal_is_final_and_not_retried(bot, waits):
    bot.standin.fault_policy = failing_first("bad_request", 99)
    assert await bot.say("/help") == []
    assert send_attempts(bot) == 1 and waits == []


async def test_a_redraw_hit_by_a_429_is_retried_in_place(bot, waits):
    await bot.say("/start")
    topics = await bot.reply("/topics")
    seen = {"n": 0}

    def policy(method, params):
        if method == "editMessageText":
            seen["n"] += 1
            return Fault("retry_after", retry_after=3) if seen["n"] == 1 else None
        return None

    bot.standin.fault_policy = policy
    toggle = next(d for d in topics.callback_data if d.startswith("topic:")
                  and not d.endswith(":done"))
    assert await bot.press(topics, toggle) == []  # redrawn in place, nothing new sent
    assert waits == [3]
    assert bot.standin.message(USER, topics.message_id).edits
