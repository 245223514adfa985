"""An admin's new tip is stored once: a second tip under a taken id is refused, on both
engines, and the first one stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.storage import Storage
from tests.helpers import stored_rows
from tips.catalog import Tip

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_a_taken_id_is_refused_and_the_first_tip_kept(database):
    storage = await Storage.open(database)
    try:
        first = Tip("admin-hyd-1", "hydration", "Drink a glass of water with lunch.",
                    "NHS: water, drinks and hydration")
        second = Tip("admin-hyd-1", "rest", "Another text under the same id.", "none")
        assert await storage.tips.add(first, NOW) is True
        assert await storage.tips.add(second, NOW) is False
    finally:
        await storage.close()
    assert stored_rows(database, "SELECT topic, text, origin FROM tips WHERE id = ?",
                       ("admin-hyd-1",)) == [
        ("hydration", "Drink a glass of water with lunch.", "admin")]
