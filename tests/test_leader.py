"""Leader election on a real PostgreSQL: one leader at a time, a standby that takes over
within seconds with a higher epoch, and a leader that notices at once that it lost."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from bot.core.database_url import PostgresUrl, parse_database_url
from bot.storage.leader import Leadership


def postgres(raw: str) -> PostgresUrl:
    url = parse_database_url(raw)
    assert isinstance(url, PostgresUrl)
    return url


async def terminate(raw: str, pid: int | None) -> None:
    assert pid is not None
    admin = await asyncpg.connect(raw)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def stored_epoch(raw: str) -> int:
    connection = await asyncpg.connect(raw)
    try:
        return int(await connection.fetchval("SELECT epoch FROM leadership"))
    finally:
        await connection.close()


async def test_the_first_contender_leads_with_epoch_1_and_it_is_stored(pg_url):
    first = Leadership(postgres(pg_url))
    try:
        assert await first.acquire(limit=5) == 1
        assert first.leading and first.epoch == 1
        assert await stored_epoch(pg_url) == 1
    finally:
        await first.release()


async def test_a_second_contender_waits_as_standby_while_the_first_leads(pg_url):
    first, second = Leadership(postgres(pg_url)), Leadership(postgres(pg_url), poll_seconds=0.2)
    try:
        assert await first.acquire(limit=5) == 1
        started = time.monotonic()
        assert await second.acquire(limit=0.7) is None  # still held: gives up at the limit
        assert 0.6 <= time.monotonic() - started < 3
        assert not second.leading and first.leading
    finally:
        await first.release()
        await second.release()


async def test_a_standby_stops_waiting_when_asked(pg_url):
    first, second = Leadership(postgres(pg_url)), Leadership(postgres(pg_url))
    stop = asyncio.Event()
    try:
        await first.acquire(limit=5)
        waiting = asyncio.create_task(second.acquire(stop))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        stop.set()
        assert await asyncio.wait_for(waiting, 3) is None
    finally:
        await first.release()
        await second.release()


async def test_a_released_leader_hands_over_at_the_next_poll_with_a_higher_epoch(pg_url):
    first = Leadership(postgres(pg_url))
    second = Leadership(postgres(pg_url), poll_seconds=0.2)
    try:
        assert await first.acquire(limit=5) == 1
        waiting = asyncio.create_task(second.acquire(limit=10))
        await asyncio.sleep(0.2)
        await first.release()
        assert await asyncio.wait_for(waiting, 5) == 2
        assert await stored_epoch(pg_url) == 2
        assert not first.lost.is_set()  # a release is not a loss
    finally:
        await second.release()


async def test_a_killed_leader_connection_makes_the_standby_lead_within_10_s(pg_url):
    noticed: list[float] = []
    # A rare periodic check: the loss must be seen through the connection's end itself.
    first = Leadership(postgres(pg_url), on_lost=lambda: noticed.append(time.monotonic()),
                       check_seconds=60)
    second = Leadership(postgres(pg_url))
    try:
        assert await first.acquire(limit=5) == 1
        waiting = asyncio.create_task(second.acquire(limit=30))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        killed = time.monotonic()
        await terminate(pg_url, first.backend_pid())
        epoch = await asyncio.wait_for(waiting, 10)
        took_over = time.monotonic() - killed
        assert epoch == 2 and second.leading
        assert took_over < 10
        # The old leader knows, promptly, through the event and the callback (once).
        await asyncio.wait_for(first.lost.wait(), 3)
        assert not first.leading
        assert len(noticed) == 1 and noticed[0] - killed < 3
    finally:
        await first.release()
        await second.release()


async def test_epochs_keep_rising_over_several_takeovers(pg_url):
    epochs = []
    for _ in range(3):
        contender = Leadership(postgres(pg_url))
        epochs.append(await contender.acquire(limit=5))
        await terminate(pg_url, contender.backend_pid())
        await asyncio.wait_for(contender.lost.wait(), 3)
        await contender.release()
    assert epochs == [1, 2, 3]


class FreezableProxy:
    """A loopback TCP relay to the server that can go silent without closing anything:
    what a network partition looks like to both ends."""

    def __init__(self, port: int) -> None:
        self.target_port = port
        self.frozen = False
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _relay(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(source, sink) -> None:
            while data := await source.read(65536):
                if not self.frozen:
                    sink.write(data)
                    await sink.drain()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer),
                             return_exceptions=True)
        writer.close()
        up_writer.close()

    def close(self) -> None:
        assert self.server is not None
        self.server.close()


async def test_a_silent_lock_connection_is_caught_by_the_periodic_check(pg_url, pg_server):
    """Neither an answer nor a closed socket (a partition): the `SELECT 1` check gives up."""
    proxy = FreezableProxy(pg_server.port)
    port = await proxy.start()
    through_proxy = pg_url.replace(f":{pg_server.port}/", f":{port}/")
    first = Leadership(postgres(through_proxy), check_seconds=0.2, check_timeout=0.5)
    try:
        assert await first.acquire(limit=5) == 1
        await asyncio.sleep(0.5)
        assert not first.lost.is_set()  # the checks pass while the network works
        proxy.frozen = True
        frozen = time.monotonic()
        await asyncio.wait_for(first.lost.wait(), 5)
        assert time.monotonic() - frozen < 2
        assert not first.leading
    finally:
        await first.release()
        proxy.close()


@pytest.mark.parametrize("contenders", [4])
async def test_of_many_simultaneous_contenders_exactly_one_leads(pg_url, contenders):
    elections = [Leadership(postgres(pg_url)) for _ in range(contenders)]
    try:
        results = await asyncio.gather(*(e.acquire(limit=0.5) for e in elections))
        assert sorted(r for r in results if r is not None) == [1]
        assert sum(e.leading for e in elections) == 1
    finally:
        await asyncio.gather(*(e.release() for e in elections))
