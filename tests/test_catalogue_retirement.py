"""Catalogue tips removed from the files leave the rotation on databases that already hold them.

A content review retired 17 catalogue ids (tips/data/CHANGES.md), among them elec-009 with a hard
350 mg ceiling and no doctor exception. A database from before still holds those rows; the
start-up sync must retire them while keeping the votes and delivery history that point at
them, bring one back if the files bring it back, and never undo an admin's retirement.
"""

from __future__ import annotations

import contextlib

import pytest

from bot.runtime.app import attach_runtime, build_application, detach_runtime
from standin import BotApiStandIn, StandInRequest
from tests.helpers import ADMIN, USER, BotHarness, virtual_pacer
from tips.catalog import Tip, load_catalog

pytestmark = pytest.mark.both_engines

# The ids the review retired, written out from tips/data/CHANGES.md ("Retired ids").
RETIRED_IDS = (
    "hyd-012", "hyd-015", "food-012", "rest-006", "rest-008", "rest-009", "rest-011",
    "rest-012", "rest-013", "rest-014", "rest-015", "elec-002", "elec-003", "elec-004",
    "elec-009", "elec-012", "doc-011",
)
TOPIC_OF = {"hyd": "hydration", "food": "foods", "rest": "rest", "elec": "electrolytes",
            "doc": "doctor"}
OLD_CEILING = "Adults should stay at or below 350 mg a day from supplements, no exceptions."


def old_tip(tip_id: str) -> Tip:
    """A stand-in for the old wording of a retired tip (elec-009 keeps its hard ceiling)."""
    text = OLD_CEILING if tip_id == "elec-009" else f"Old advice {tip_id} that was merged away."
    return Tip(id=tip_id, topic=TOPIC_OF[tip_id.split("-")[0]], text=text,
               source="MagDaily source article")


@contextlib.asynccontextmanager
async def running(settings, clock, catalog: list[Tip] | None = None):
    """The real Application on `settings.database_path`, started with `catalog` (or the files)."""
    standin = BotApiStandIn()
    app = build_application(settings, request=StandInRequest(standin), clock=clock,
                            background=False)
    await app.initialize()
    pacer = virtual_pacer(clock, None)
    runtime = await attach_runtime(app, settings, clock=clock, catalog=catalog,
                                   background=False, pacer=pacer)
    try:
        yield BotHarness(app, standin, runtime, clock, pacer)
    finally:
        await detach_runtime(app)
        await app.shutdown()


async def tips_sent(bot: BotHarness, count: int) -> list[str]:
    """Ask /tip `count` times; the tip ids the bot recorded as delivered, in order."""
    before = len(bot.rows("SELECT id FROM deliveries WHERE chat_id = ?", (USER,)))
    for asked in range(count):
        if asked and asked % 10 == 0:  # /tip is limited to 10 a day: ask again tomorrow
            bot.clock.advance(seconds=24 * 3600)
        await bot.reply("/tip")
    rows = bot.rows("SELECT tip_id FROM deliveries WHERE chat_id = ? ORDER BY id", (USER,))
    return [tip_id for (tip_id,) in rows[before:]]


@pytest.fixture
def old_catalog() -> list[Tip]:
    return [*load_catalog(), *(old_tip(tip_id) for tip_id in RETIRED_IDS)]


async def test_tips_removed_from_the_files_stop_being_sent_and_keep_their_history(
        settings, clock, old_catalog):
    current = load_catalog()
    assert not set(RETIRED_IDS) & {tip.id for tip in current}, "the files hold a retired id"
    # An existing database: the old catalogue, a subscriber who got and voted on elec-009.
    async with running(settings, clock, old_catalog) as bot:
        await bot.start()
        sent_before = await tips_sent(bot, len(old_catalog))
        assert set(RETIRED_IDS) <= set(sent_before), "the old ids were in rotation before"
        ceiling = next(message for message in bot.standin.messages_to(USER)
                       if "fb:up:elec-009" in message.callback_data)
        assert OLD_CEILING in ceiling.text
        await bot.press(ceiling, "fb:up:elec-009")
        votes = bot.rows("SELECT tip_id, vote FROM feedback WHERE chat_id = ?", (USER,))
        assert votes == [("elec-009", 1)]
        history = bot.rows("SELECT id, tip_id FROM deliveries ORDER BY id")

    # The new version starts on the same file with the catalogue from tips/data.
    async with running(settings, clock) as bot:
        stored = {tip_id: retired for tip_id, retired
                  in bot.rows("SELECT id, retired FROM tips") if tip_id in RETIRED_IDS}
        assert stored == dict.fromkeys(RETIRED_IDS, 1)
        assert bot.rows("SELECT count(*) FROM tips WHERE retired = 0")[0][0] == len(current)
        # Two full rotations: every current tip comes round, no retired one does.
        sent_after = await tips_sent(bot, 2 * len(current))
        assert not set(sent_after) & set(RETIRED_IDS)
        assert set(sent_after) == {tip.id for tip in current}
        assert all(OLD_CEILING not in message.text
                   for message in bot.standin.messages_to(USER))
        # Votes and history of the retired tips stay.
        assert bot.rows("SELECT tip_id, vote FROM feedback WHERE chat_id = ?",
                        (USER,)) == [("elec-009", 1)]
        assert bot.rows("SELECT id, tip_id FROM deliveries ORDER BY id")[:len(history)] == history


async def test_a_tip_that_comes_back_returns_but_an_admin_retirement_stays(
        settings, clock, old_catalog):
    async with running(settings, clock, old_catalog):
        pass
    async with running(settings, clock) as bot:  # rest-014, hyd-001 … as in the files
        assert bot.rows("SELECT retired FROM tips WHERE id = 'rest-014'") == [(1,)]
        await bot.reply("/retire hyd-001", chat_id=ADMIN)
        assert bot.rows("SELECT retired FROM tips WHERE id = 'hyd-001'") == [(1,)]
    # A later catalogue brings rest-014 back; hyd-001 is still in the files.
    async with running(settings, clock, [*load_catalog(), old_tip("rest-014")]) as bot:
        assert bot.rows("SELECT retired FROM tips WHERE id = 'rest-014'") == [(0,)]
        assert bot.rows("SELECT retired FROM tips WHERE id = 'hyd-001'") == [(1,)], \
            "the sync must not undo an admin's retirement"
        assert bot.rows("SELECT retired FROM tips WHERE id = 'elec-009'") == [(1,)]


async def test_admin_tips_are_never_retired_by_the_sync(settings, clock):
    async with running(settings, clock) as bot:
        await bot.reply("/newtip rest Stand up and walk for a minute every hour. | "
                        "NHS, Leg cramps", chat_id=ADMIN)
        added = bot.rows("SELECT id FROM tips WHERE origin = 'admin'")
        assert len(added) == 1
    async with running(settings, clock) as bot:
        assert bot.rows("SELECT retired FROM tips WHERE origin = 'admin'") == [(0,)]
