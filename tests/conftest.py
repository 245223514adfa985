from __future__ import annotations

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.runtime.app import attach_runtime, build_application, detach_runtime
from standin import BotApiStandIn, StandInRequest
from tests.helpers import ADMIN, START, BotHarness, virtual_pacer


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(token=None, database_path=tmp_path / "bot.sqlite3",
                    admin_ids=frozenset({ADMIN}))


@pytest.fixture
async def bot(settings, clock):
    standin = BotApiStandIn()
    app = build_application(settings, request=StandInRequest(standin), clock=clock,
                            background=False)
    await app.initialize()
    pacer = virtual_pacer(clock, None)
    runtime = await attach_runtime(app, settings, clock=clock, background=False, pacer=pacer)
    yield BotHarness(app, standin, runtime, clock, pacer)
    await detach_runtime(app)
    await app.shutdown()
