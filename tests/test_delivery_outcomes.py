"""Every answer Telegram can give a daily tip, through python-telegram-bot and the stand-in,
ends as the outcome the specification names (README, "Telegram outages"): 429 waits and
resends the same row, 403 / chat not found / a migrated group make the subscriber blocked
with the reason, 5xx, network errors and timeouts are retried, any other refusal fails.

These go through the real BotTransport (PTB's exceptions), so they pin the mapping from
Telegram's answers to what the database holds, which the tests with a fake transport skip.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from telegram.error import Conflict, InvalidToken

from bench.fixtures import NewSubscriber, add_subscribers
from bot.delivery.sender import Failed, classify
from standin import Fault
from tests.helpers import shown_reason
from tips.catalog import TOPICS

pytestmark = pytest.mark.both_engines

CHAT = 70_001
DUE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def first_attempt(bot, fault: Fault | None, *, times: int = 1) -> None:
    """One subscriber's 09:00 tip is due; Telegram answers its first `times` sends with
    `fault`; one tick and one drain run at 09:00:30."""
    await add_subscribers(bot.storage,
        [NewSubscriber(CHAT, time(9), "UTC", tuple(TOPICS), DUE)], bot.clock.now())
    left = [times]

    def policy(method, params):
        if method.lower() == "sendmessage" and int(params["chat_id"]) == CHAT and left[0]:
            left[0] -= 1
            return fault
        return None

    bot.standin.fault_policy = policy
    bot.clock.set(DUE + timedelta(seconds=30))
    assert (await bot.runtime.scheduler.tick()).queued == 1
    await bot.runtime.sender.drain_once()


def delivery(bot) -> tuple:
    """(status, the reason as /stats shows it, attempts, timeouts, due_at) of CHAT's row."""
    ((row,),) = [bot.rows("SELECT status, error, error_cause, error_detail, attempts, timeouts, "
                          "due_at FROM deliveries WHERE chat_id = ?", (CHAT,))]
    return (row[0], shown_reason(*row[1:4]), *row[4:])


def subscriber(bot) -> tuple:
    """(status, why tips stopped as /mydata shows it) of CHAT."""
    ((row,),) = [bot.rows("SELECT status, inactive_reason, inactive_detail FROM subscribers "
                          "WHERE chat_id = ?", (CHAT,))]
    return row[0], shown_reason(row[1], detail=row[2])


def stored_codes(bot) -> tuple:
    """(delivery code, its cause, subscriber code): what the database holds, no English."""
    ((row,),) = [bot.rows("SELECT d.error, d.error_cause, s.inactive_reason FROM deliveries d "
                          "JOIN subscribers s USING (chat_id) WHERE chat_id = ?", (CHAT,))]
    return row


@pytest.mark.parametrize(("fault", "reason", "code"), [
    (Fault("forbidden"), "Forbidden: bot was blocked by the user", "chat_gone"),
    (Fault("chat_not_found"), "Chat not found", "chat_gone"),
    (Fault("bad_request", description="Bad Request: user is deactivated"),
     "User is deactivated", "chat_gone"),
    (Fault("chat_migrated", migrate_to_chat_id=-1_001_234_567), "-1001234567",
     "chat_migrated"),
])
async def test_a_gone_chat_makes_the_subscriber_blocked_with_the_reason(bot, fault, reason,
                                                                        code):
    """403, "chat not found", a deactivated user, a group upgraded to a supergroup: the
    row is `blocked`, the subscriber `blocked` with Telegram's reason, nothing is sent.
    Stored: the reason's code, and Telegram's words beside it."""
    await first_attempt(bot, fault)
    status, error, *_ = delivery(bot)
    assert status == "blocked" and reason in error
    sub_status, inactive_reason = subscriber(bot)
    assert sub_status == "blocked" and reason in inactive_reason
    assert stored_codes(bot) == (code, None, code)
    assert bot.standin.messages_to(CHAT) == []


async def test_a_migrated_group_names_its_new_chat(bot):
    """The group's new id is what an admin needs to find it again."""
    await first_attempt(bot, Fault("chat_migrated", migrate_to_chat_id=-1_009_876))
    assert delivery(bot)[1] == "chat migrated to -1009876"


async def test_any_other_bad_request_fails_the_row_and_keeps_the_subscriber(bot):
    """A 400 that says nothing about the chat (a malformed message) is not retried, and
    it does not unsubscribe anyone: the next day's tip still goes out."""
    await first_attempt(bot, Fault("bad_request", description="Bad Request: message is too long"))
    status, error, attempts, _timeouts, _due = delivery(bot)
    assert (status, attempts) == ("failed", 1)
    assert error == "bad request: Message is too long"
    assert stored_codes(bot) == ("bad_request", None, None)
    assert subscriber(bot)[0] == "active"
    assert bot.standin.messages_to(CHAT) == []


async def test_a_502_is_retried_later_with_the_reason(bot):
    """5xx: the row stays pending, due again 10 s later (the first backoff), with Telegram's
    reason; the subscriber stays active; the retry then delivers the tip."""
    await first_attempt(bot, Fault("server_error"))
    status, error, attempts, timeouts, due_at = delivery(bot)
    assert (status, error, attempts, timeouts) == ("pending", "network: Bad Gateway", 1, 0)
    assert stored_codes(bot) == ("network", None, None)
    assert datetime.fromtimestamp(due_at, UTC) == DUE + timedelta(seconds=30 + 10)
    assert subscriber(bot)[0] == "active"
    bot.clock.advance(seconds=10)
    await bot.runtime.sender.drain_once()
    assert delivery(bot)[0] == "sent" and len(bot.standin.messages_to(CHAT)) == 1


async def test_a_timed_out_send_is_retried_and_counted(bot):
    """No answer in time: retried like a 5xx, and counted as a timeout (it may have
    arrived; /stats shows the count)."""
    await first_attempt(bot, Fault("timeout"))
    status, error, attempts, timeouts, due_at = delivery(bot)
    assert (status, error, attempts, timeouts) == ("pending", "timed out", 1, 1)
    assert datetime.fromtimestamp(due_at, UTC) == DUE + timedelta(seconds=30 + 10)
    bot.clock.advance(seconds=10)
    await bot.runtime.sender.drain_once()
    assert delivery(bot)[:4] == ("sent", None, 2, 1)


async def test_a_429_pauses_for_retry_after_and_resends_without_counting_a_failure(bot):
    """Flood control: every send waits the `retry_after` Telegram named (7 s), the same row
    goes again in the same drain and the attempt is not counted as a failure."""
    await first_attempt(bot, Fault("retry_after", retry_after=7), times=2)
    assert bot.pacer.pauses == [7, 7]
    status, error, attempts, timeouts, _due = delivery(bot)
    assert (status, error, attempts, timeouts) == ("sent", None, 1, 0)
    assert len(bot.standin.messages_to(CHAT)) == 1
    assert bot.clock.now() >= DUE + timedelta(seconds=30 + 7 + 7)


@pytest.mark.parametrize("exc", [
    Conflict("terminated by other getUpdates request"),
    InvalidToken("Unauthorized"),
])
def test_other_telegram_errors_fail_without_retry_and_name_the_error(exc):
    """An error the outbox has no rule for (409, 401) is a failure, not retried: retrying
    cannot help and would keep the sender busy; the reason names PTB's error class."""
    result = classify(exc)
    assert isinstance(result, Failed) and not result.retryable and not result.timed_out
    assert result.reason == "telegram_error"
    assert result.detail == f"{type(exc).__name__}: {exc.message}"


async def test_502s_are_retried_10_s_doubling_at_most_10_min_apart(bot):
    """README: network errors and 5xx are retried "10 s doubling, at most 10 min apart"."""
    await first_attempt(bot, Fault("server_error"), times=1_000)
    gaps = []
    for _ in range(8):
        status, _error, _attempts, _timeouts, due_at = delivery(bot)
        assert status == "pending"
        due = datetime.fromtimestamp(due_at, UTC)
        gaps.append((due - bot.clock.now()).total_seconds())
        bot.clock.set(due)
        await bot.runtime.sender.drain_once()
    assert gaps == [10, 20, 40, 80, 160, 320, 600, 600]
    assert delivery(bot)[2] == 9  # every retry counted as an attempt


async def test_a_tip_that_times_out_until_its_grace_window_ends_is_missed_with_every_timeout(
        bot):
    """Every send times out (each may have arrived) until 12:00, the end of the 3-hour
    grace window: the row ends `missed` with the reason and all its timeouts counted, the
    last one included; no retry is scheduled past 12:00."""
    await first_attempt(bot, Fault("timeout"), times=1_000)
    deadline = DUE + timedelta(hours=3)
    for _ in range(100):
        status, _error, _attempts, _timeouts, due_at = delivery(bot)
        if status != "pending":
            break
        due = datetime.fromtimestamp(due_at, UTC)
        assert due <= deadline
        bot.clock.set(due)
        await bot.runtime.sender.drain_once()
    status, error, attempts, timeouts, _due = delivery(bot)
    assert status == "missed"
    assert error == "timed out; not sent within the grace window"
    assert stored_codes(bot) == ("grace_window_passed", "timed_out", None)
    assert timeouts == attempts and attempts > 5
    assert subscriber(bot)[0] == "active"


def test_a_very_long_unknown_error_is_cut_to_200_characters():
    """The reason naming an unknown error keeps the 200-character limit for stored reasons."""
    result = classify(Conflict("z" * 300))
    assert isinstance(result, Failed)
    assert result.detail == ("Conflict: " + "z" * 300)[:200] and len(result.detail) == 200



async def test_the_sender_records_a_gone_chat_through_the_subscription_service(bot):
    """One road for "the chat is gone": the running sender hands it to the subscription
    service, the same call a block noticed in a chat-member update takes."""
    assert bot.runtime.sender._chat_gone == bot.runtime.deps.subscriptions.mark_unreachable


def test_only_the_subscription_service_records_a_gone_chat():
    """No module but the subscription service writes a block itself."""
    root = Path(__file__).resolve().parent.parent / "bot"
    writers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if ".mark_blocked(" in path.read_text(encoding="utf-8"))
    assert writers == ["services/subscriptions.py"]
