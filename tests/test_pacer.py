"""Outgoing pacing on a virtual clock: global rate, per-chat and per-group limits, 429 pauses."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import random
from itertools import pairwise

import pytest

from bot.delivery.pacer import Pacer

# Telegram's limits as the specification states them, written out here (never imported
# from bot.delivery.pacer, so a changed constant there fails these tests instead of moving them).
PER_CHAT_INTERVAL = 1.0  # one message per second to the same chat
GROUP_PER_MINUTE = 20  # twenty messages per minute to the same group

EPS = 1e-9


class VirtualClock:
    """monotonic() is a float we control; sleep(d) moves it on by d, then yields once."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        assert delay >= 0
        self.slept.append(delay)
        self.now += delay
        await asyncio.sleep(0)


def make(rate):
    clock = VirtualClock()
    return Pacer(rate, monotonic=clock.monotonic, sleep=clock.sleep), clock


def max_in_window(times, width):
    """Most releases inside any half-open window [t, t + width)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + width - EPS) - i for i, t in enumerate(times))


async def release(pacer, clock, chat_id, is_group=False):
    """One send with an instant answer: returns its release time."""
    async with pacer.sending(chat_id, is_group):
        return clock.now


async def sequential(pacer, clock, chats, is_group=False):
    return [await release(pacer, clock, chat, is_group) for chat in chats]


async def concurrent(pacer, clock, chats, is_group=False):
    """Start one task per chat at the same moment; each returns (chat, release time)."""

    async def one(chat):
        return chat, await release(pacer, clock, chat, is_group)

    return await asyncio.gather(*(one(chat) for chat in chats))


def test_helper_counts_windows_half_open():
    assert max_in_window([0.0, 0.5, 1.0, 1.5], 1.0) == 2
    assert max_in_window([0.0, 0.1, 0.2, 0.999], 1.0) == 4
    assert max_in_window([0.0], 1.0) == 1


# --- global rate ---------------------------------------------------------------------


async def test_rate_25_never_exceeds_25_in_any_second_and_keeps_pace():
    pacer, clock = make(25)
    times = await sequential(pacer, clock, range(200))
    assert len(times) == 200
    assert max_in_window(times, 1.0) <= 25
    mean_rate = (len(times) - 1) / (times[-1] - times[0])
    assert mean_rate >= 0.95 * 25
    assert mean_rate <= 25


async def test_releases_are_evenly_spaced_not_bursty():
    pacer, clock = make(25)
    times = await sequential(pacer, clock, range(60))
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 1 / 25 - EPS
    # even: no gap much longer than the others either
    assert max(gaps) - min(gaps) < 1e-6


async def test_first_message_goes_out_at_once():
    pacer, clock = make(25)
    start = clock.now
    await pacer.acquire(1)
    assert clock.now == start
    assert clock.slept == []


@pytest.mark.parametrize("rate", [1, 5, 30])
async def test_other_rates_are_respected(rate):
    pacer, clock = make(rate)
    times = await sequential(pacer, clock, range(3 * rate + 5))
    assert max_in_window(times, 1.0) <= rate
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.95 * rate


@pytest.mark.parametrize("rate", [None, 0])
async def test_no_rate_means_no_waiting_for_distinct_chats(rate):
    pacer, clock = make(rate)
    assert not pacer.rate_limited
    start = clock.now
    times = await sequential(pacer, clock, range(500))
    assert times == [start] * 500
    assert clock.slept == []


async def test_no_rate_still_keeps_one_second_per_chat():
    pacer, clock = make(None)
    first = await release(pacer, clock, 7)
    second = await release(pacer, clock, 7)
    assert second - first >= PER_CHAT_INTERVAL - EPS


def test_rate_limited_flag():
    assert make(25)[0].rate_limited
    assert not make(None)[0].rate_limited


# --- per chat --------------------------------------------------------------------------


async def test_same_chat_twice_waits_a_second():
    pacer, clock = make(25)
    first = await release(pacer, clock, 42)
    second = await release(pacer, clock, 42)
    assert second - first >= PER_CHAT_INTERVAL - EPS
    assert second - first < PER_CHAT_INTERVAL + 0.1  # and not much more


async def test_same_chat_between_others_still_waits_a_second():
    pacer, clock = make(25)
    times = await sequential(pacer, clock, [1, 2, 3, 1, 4, 1])
    ones = [t for chat, t in zip([1, 2, 3, 1, 4, 1], times, strict=True) if chat == 1]
    assert all(b - a >= PER_CHAT_INTERVAL - EPS for a, b in pairwise(ones))


async def test_same_chat_twice_concurrently_waits_a_second():
    pacer, clock = make(25)
    results = await concurrent(pacer, clock, [5, 5])
    first, second = sorted(t for _, t in results)
    assert second - first >= PER_CHAT_INTERVAL - EPS


async def test_a_waiting_chat_does_not_hold_up_other_chats():
    pacer, clock = make(None)
    results = dict(await concurrent(pacer, clock, [1, 2, 3]))
    assert results[1] == results[2] == results[3]
    # a second message to chat 1 must wait, and chat 4 must not queue behind it
    finished = []

    async def send(chat):
        async with pacer.sending(chat):
            finished.append(chat)

    await asyncio.gather(send(1), send(4))
    assert finished == [4, 1]


# --- groups ------------------------------------------------------------------------------


async def test_group_gets_at_most_20_per_minute():
    pacer, clock = make(25)
    times = await sequential(pacer, clock, [-100] * 65, is_group=True)
    assert max_in_window(times, 60.0) <= GROUP_PER_MINUTE
    # and it is not slowed more than needed: 65 messages fit in just over three minutes
    assert times[-1] - times[0] < 3 * 60 + 5
    assert all(b - a >= PER_CHAT_INTERVAL - EPS for a, b in pairwise(times))


async def test_group_limit_is_per_group():
    pacer, clock = make(None)
    times = await sequential(pacer, clock, [-1, -2] * 20, is_group=True)
    # 20 to each group inside the first ~20 seconds: neither group hit its minute limit
    assert times[-1] - times[0] < 25


async def test_group_limit_does_not_apply_to_private_chats():
    pacer, clock = make(None)
    times = await sequential(pacer, clock, [9] * 30)
    assert times[-1] - times[0] < 31  # one a second, no minute-long stall


async def test_groups_concurrently_still_20_per_minute():
    pacer, clock = make(25)

    async def one(chat, is_group):
        return chat, await release(pacer, clock, chat, is_group)

    results = await asyncio.gather(*(one(-100, True) for _ in range(30)),
                                   *(one(c, False) for c in range(30)))
    group_times = [t for chat, t in results if chat == -100]
    assert len(group_times) == 30
    assert max_in_window(group_times, 60.0) <= 20
    assert max_in_window([t for _, t in results], 1.0) <= 25


# --- 429 pauses ------------------------------------------------------------------------


async def test_pause_holds_every_later_release():
    pacer, clock = make(25)
    await sequential(pacer, clock, range(10))
    paused_at = clock.now
    pacer.pause(5)
    later = await sequential(pacer, clock, range(10, 30))
    assert min(later) >= paused_at + 5 - EPS
    assert pacer.pauses == [5]
    # after the pause the normal pace resumes
    assert max_in_window(later, 1.0) <= 25
    assert later[-1] - later[0] < 1.0


async def test_pause_holds_private_and_group_and_unpaced_sends():
    pacer, clock = make(None)
    paused_at = clock.now
    pacer.pause(3)
    assert await release(pacer, clock, 1) >= paused_at + 3 - EPS
    assert await release(pacer, clock, -5, is_group=True) >= paused_at + 3 - EPS


async def test_shorter_overlapping_pause_is_not_recorded_and_does_not_shorten():
    pacer, clock = make(25)
    paused_at = clock.now
    pacer.pause(5)
    pacer.pause(2)
    assert pacer.pauses == [5]
    assert await release(pacer, clock, 1) >= paused_at + 5 - EPS


async def test_longer_pause_extends_and_is_recorded():
    pacer, clock = make(25)
    paused_at = clock.now
    pacer.pause(2)
    pacer.pause(7)
    assert pacer.pauses == [2, 7]
    assert await release(pacer, clock, 1) >= paused_at + 7 - EPS


async def test_pause_after_it_ended_is_recorded_again():
    pacer, clock = make(25)
    pacer.pause(1)
    await release(pacer, clock, 1)
    clock.now += 10
    second_at = clock.now
    pacer.pause(1)
    assert pacer.pauses == [1, 1]
    assert await release(pacer, clock, 2) >= second_at + 1 - EPS


async def test_pause_during_a_concurrent_burst_holds_everyone_queued():
    pacer, clock = make(25)
    released: list[float] = []
    paused_at: list[float] = []

    async def send(chat):
        async with pacer.sending(chat):
            released.append(clock.now)
            if len(released) == 10:  # the 10th send came back 429 retry_after=5
                paused_at.append(clock.now)
                pacer.pause(5)

    await asyncio.gather(*(send(chat) for chat in range(40)))
    assert len(released) == 40
    assert pacer.pauses == [5]
    assert all(t >= paused_at[0] + 5 - EPS for t in released[10:])
    assert max_in_window(released, 1.0) <= 25


# --- concurrency ---------------------------------------------------------------------


async def test_50_tasks_at_once_obey_the_spacing():
    pacer, clock = make(25)
    results = await concurrent(pacer, clock, range(50))
    times = sorted(t for _, t in results)
    assert len(times) == 50
    assert max_in_window(times, 1.0) <= 25
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 1 / 25 - EPS
    # all 50 got out in about two seconds, not serialised behind one another's sleeps
    assert times[-1] - times[0] < 2.5


async def test_200_tasks_at_once_keep_mean_rate():
    pacer, clock = make(25)
    results = await concurrent(pacer, clock, range(200))
    times = sorted(t for _, t in results)
    assert max_in_window(times, 1.0) <= 25
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.95 * 25


async def test_same_chat_behind_a_long_queue_still_waits_a_second():
    pacer, clock = make(25)
    # 40 other chats first: the queue for global slots is ~1.6 s long
    chats = [*range(100, 140), 1, 1]
    results = await concurrent(pacer, clock, chats)
    ones = sorted(t for chat, t in results if chat == 1)
    assert ones[1] - ones[0] >= PER_CHAT_INTERVAL - EPS


async def test_same_chat_across_a_pause_still_waits_a_second():
    pacer, clock = make(25)
    released = []

    async def send(chat):
        async with pacer.sending(chat):
            released.append((chat, clock.now))

    tasks = [asyncio.create_task(send(chat)) for chat in (2, 1)]
    await asyncio.sleep(0)  # chat 2 is out; chat 1 has its turn and waits for a global slot
    pacer.pause(5)  # chat 2's send came back 429 retry_after=5
    tasks.append(asyncio.create_task(send(1)))  # another message for chat 1 arrives
    await asyncio.gather(*tasks)
    ones = [t for chat, t in released if chat == 1]
    assert len(ones) == 2
    assert ones[1] - ones[0] >= PER_CHAT_INTERVAL - EPS


# --- the promise where Telegram counts: at the receiver ----------------------------------
#
# A send reaches the server somewhere between its release and its answer. Under load that
# moment jitters: a late one followed by on-time ones used to put 26 messages into one
# second at 25/s. These tests run many concurrent senders on an event-driven virtual clock,
# stamp each arrival at a random point inside its request, and count arrivals per second.


class SimClock:
    """Virtual time driven like an event loop: when every task waits, jump to the next timer."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(0.0, delay), self._seq, future))
        self._seq += 1
        await future

    async def run(self, coro):
        task = asyncio.ensure_future(coro)
        for _ in range(10_000_000):
            for _ in range(30):  # let every runnable task run until all of them wait
                await asyncio.sleep(0)
            if task.done():
                return task.result()
            moment, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, moment)
            future.set_result(None)
        raise AssertionError("simulation did not finish")


def latency_model(seed: int, stall_share: float, stall_max: float, jitter_max: float):
    """Per send: (time from release to arrival, time from arrival to answer)."""
    rng = random.Random(seed)

    def draw() -> tuple[float, float]:
        total = rng.uniform(0.001, jitter_max)
        if rng.random() < stall_share:
            total += rng.uniform(0.0, stall_max)  # the loop, the OS or the server stalled
        split = rng.random()
        return total * split, total * (1 - split)

    return draw


async def simulate(rate, sends, workers, draw):
    """`workers` senders share one pacer; returns every arrival instant at the receiver."""
    clock = SimClock()
    pacer = Pacer(rate, monotonic=clock.monotonic, sleep=clock.sleep)
    queue = list(range(sends))
    arrivals: list[float] = []

    async def worker():
        while queue:
            chat = queue.pop(0)
            async with pacer.sending(chat):
                to_server, back = draw()
                await clock.sleep(to_server)
                arrivals.append(clock.now)
                await clock.sleep(back)

    async def everyone():
        await asyncio.gather(*(worker() for _ in range(workers)))

    await clock.run(everyone())
    return sorted(arrivals)


def steady_rate(times):
    return (len(times) - 1) / (times[-1] - times[0])


async def test_25_per_second_at_the_receiver_despite_stalls_and_jitter():
    draw = latency_model(seed=13, stall_share=0.1, stall_max=0.4, jitter_max=0.03)
    arrivals = await simulate(25, sends=600, workers=8, draw=draw)
    assert len(arrivals) == 600
    assert max_in_window(arrivals, 1.0) <= 25


async def test_1000_per_second_at_the_receiver_despite_stalls_and_jitter():
    draw = latency_model(seed=7, stall_share=0.02, stall_max=0.2, jitter_max=0.01)
    arrivals = await simulate(1000, sends=4000, workers=32, draw=draw)
    assert len(arrivals) == 4000
    assert max_in_window(arrivals, 1.0) <= 1000


@pytest.mark.parametrize(("rate", "workers"), [(25, 8), (1000, 32)])
async def test_ordinary_jitter_keeps_at_least_95_percent_of_the_rate(rate, workers):
    draw = latency_model(seed=rate, stall_share=0.0, stall_max=0.0, jitter_max=0.01)
    arrivals = await simulate(rate, sends=4 * rate, workers=workers, draw=draw)
    assert max_in_window(arrivals, 1.0) <= rate
    assert steady_rate(arrivals) >= 0.95 * rate


async def test_a_late_answer_holds_the_send_one_window_later():
    pacer, clock = make(25)
    start = clock.now
    first = await pacer.acquire(0)  # its request is slow: no answer yet
    for chat in range(1, 25):
        await release(pacer, clock, chat)
    # the answer came back 0.3 s after the release: the message may have arrived then
    pacer.settle(first, at=start + 0.3)
    twenty_sixth = await release(pacer, clock, 25)
    assert twenty_sixth >= start + 0.3 + 1.0


async def test_a_hung_request_does_not_stop_sending_for_its_whole_timeout():
    pacer, clock = make(25)
    start = clock.now
    await pacer.acquire(0)  # never answers (it will time out after 15 s)
    times = await sequential(pacer, clock, range(1, 60))
    assert times[-1] - start < 5.0
    assert max_in_window([start, *times], 1.0) <= 25


async def test_same_chat_waits_a_second_after_the_previous_answer():
    pacer, clock = make(None)
    first = await pacer.acquire(9)
    sent_at = clock.now
    pacer.settle(first, at=sent_at + 0.5)  # answered half a second later
    second = await release(pacer, clock, 9)
    assert second >= sent_at + 0.5 + PER_CHAT_INTERVAL - EPS


# --- reviewed mutation run (issue 10): edges the tests above did not pin down -------------


async def test_several_429s_with_the_same_retry_after_at_once_are_one_pause():
    """Eight workers' sends come back 429 retry_after=5 in the same instant: that is one
    pause of 5 s (one entry in the record the reports read), not eight."""
    pacer, clock = make(25)
    paused_at = clock.now
    for _ in range(8):
        pacer.pause(5)
    assert pacer.pauses == [5]
    assert await release(pacer, clock, 1) >= paused_at + 5 - EPS


async def test_acquire_without_is_group_is_a_private_chat():
    """`acquire(chat)` alone means a private chat: one a second, no 20-per-minute stall."""
    pacer, clock = make(None)
    times = []
    for _ in range(30):
        dispatch = await pacer.acquire(9)
        times.append(clock.now)
        pacer.settle(dispatch)
    assert all(b - a >= PER_CHAT_INTERVAL - EPS for a, b in pairwise(times))
    assert times[-1] - times[0] < 31  # 30 sends one a second; a group would need a minute


async def fill_with_chats(pacer, clock, count, first_chat=1_000_000):
    """`count` sends to distinct private chats at the current instant (no waiting)."""
    for chat in range(first_chat, first_chat + count):
        async with pacer.sending(chat):
            pass


async def test_after_the_idle_chat_cleanup_every_limit_still_holds():
    """Past 50,000 chats the pacer forgets chats that cannot have to wait any more. That
    cleanup must not forget a chat that sent a moment ago, a group's minute, a group
    with one message, nor break on a hung send whose chat it forgot."""
    pacer, clock = make(None)
    start = clock.now
    busy_group, small_group = -100, -200
    group_times = await sequential(pacer, clock, [busy_group] * 20, is_group=True)
    hung = await pacer.acquire(7)  # its answer comes back only after the cleanup
    await release(pacer, clock, small_group, is_group=True)  # a group with one message
    await fill_with_chats(pacer, clock, 49_997)  # 50,000 chats known: no cleanup yet
    clock.now += 5
    last = await release(pacer, clock, 42)  # the 50,001st chat: the cleanup runs
    pacer.settle(hung)  # the hung send finally answers; its chat was forgotten
    assert await release(pacer, clock, 42) >= last + PER_CHAT_INTERVAL - EPS
    group_times.append(await release(pacer, clock, busy_group, is_group=True))
    assert group_times[-1] >= start + 60 - EPS  # 20 in the minute: the 21st waits
    assert max_in_window(group_times, 60.0) <= GROUP_PER_MINUTE
    # the forgotten chats are free to go again at once
    assert await release(pacer, clock, 7) == clock.now
    assert await release(pacer, clock, small_group, is_group=True) == clock.now


async def test_a_groups_first_message_queued_during_the_cleanup_still_goes_out():
    """A group's first message waits behind a 429 pause while the send ahead of it runs
    the idle-chat cleanup: the group's (still empty) minute log may be forgotten
    meanwhile, and its message must go out all the same, once the pause is over."""
    pacer, clock = make(None)
    await fill_with_chats(pacer, clock, 50_000)
    paused_at = clock.now
    pacer.pause(5)
    # chat 42 takes the next slot and waits out the pause; the group queues behind it
    times = await asyncio.gather(
        release(pacer, clock, 42), release(pacer, clock, -9, is_group=True))
    assert all(t >= paused_at + 5 - EPS for t in times)


async def test_a_timer_that_wakes_late_costs_no_throughput():
    """asyncio's timers wake a few milliseconds late; a late release is followed by a
    slightly early one (catch-up), so 25/s still means about 25/s, never more."""
    clock = VirtualClock()

    async def late_sleep(delay):
        await clock.sleep(delay + 0.003)  # every wake-up 3 ms late

    pacer = Pacer(25, monotonic=clock.monotonic, sleep=late_sleep)
    times = await sequential(pacer, clock, range(200))
    assert max_in_window(times, 1.0) <= 25
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.95 * 25


async def test_a_caller_a_little_late_for_its_slot_keeps_the_pace():
    """One worker whose round trips alternate 30 ms and 50 ms (40 ms on average, just under
    the 1/25 s spacing) arrives early, then a little late: the late arrival goes at once
    and the schedule stays even, so it still sends about 25 a second, never more."""
    pacer, clock = make(25)
    times = []
    for chat in range(200):
        async with pacer.sending(chat):
            times.append(clock.now)
            clock.now += 0.030 if chat % 2 else 0.050
    assert max_in_window(times, 1.0) <= 25
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.95 * 25


async def test_a_hung_request_holds_the_send_25_later_one_second_plus_the_window():
    """Design (bench/README.md): a send still in flight counts as arriving up to 1 s after
    its release, so at 25/s the 26th send waits for 1 s + the 1 s window (+ 5 ms margin)
    after the hung one, and no longer."""
    pacer, clock = make(25)
    start = clock.now
    await pacer.acquire(0)  # never answers
    times = await sequential(pacer, clock, range(1, 26))
    assert times[-1] >= start + 1.0 + 1.0 - EPS
    assert times[-1] <= start + 1.0 + 1.0 + 0.005 + 0.005  # + one 5 ms poll step


async def test_a_caller_back_after_a_quiet_spell_gets_no_burst():
    """Catch-up is at most 20 ms (bench/README.md): after half a second with nothing to
    send, the next sends are spaced evenly again, not let out at once to make up time."""
    pacer, clock = make(25)
    await sequential(pacer, clock, range(5))
    clock.now += 0.5
    times = await sequential(pacer, clock, range(5, 35))
    assert min(b - a for a, b in pairwise(times)) >= 1 / 25 - EPS


@pytest.mark.parametrize(("rate", "promise"), [(25, 25), (1000, 1000), (1, 1), (0.5, 1),
                                               (None, 0), (0, 0)])
def test_per_window_states_the_promise(rate, promise):
    """`per_window`: at most this many sends arrive inside any one second; 0 means no
    global limit (no rate configured)."""
    assert make(rate)[0].per_window == promise


@pytest.mark.parametrize(("rate", "workers", "slow", "quick"), [
    (1, 2, (0.5, 0.7), 1),  # reached Telegram after 0.5 s, answered 0.7 s later
    (25, 8, (0.99, 1.5), 29),  # reached Telegram just inside the 1 s transit allowance
])
async def test_the_limit_holds_at_the_receiver_when_answers_come_back_slowly(
        rate, workers, slow, quick):
    """The guard holds each send until the answer to the send `rate` before it plus a
    second, also while that answer is still on its way: a message that reached Telegram
    late but whose answer is slower still must not share a second with one sent after it.
    (Several workers, so the next sends do not simply wait for the slow one's worker.)"""
    pattern = itertools.cycle([slow] + [(0.005, 0.005)] * quick)
    arrivals = await simulate(rate, sends=4 * rate + 20, workers=workers,
                              draw=lambda: next(pattern))
    assert len(arrivals) == 4 * rate + 20
    assert max_in_window(arrivals, 1.0) <= rate


# ------------------------------------------------------------------------- lag

class StalledClock(VirtualClock):
    """sleep(d) returns only when the test lets it go: an event loop too busy to wake a
    waiting send on time."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        await self.go.wait()


async def _waiting_send(pacer, clock, chat_id):
    """A send that has reached the pacer and sleeps until its slot."""
    task = asyncio.create_task(release(pacer, clock, chat_id))
    for _ in range(10):
        await asyncio.sleep(0)
    assert clock.slept, "the send waits for its slot"
    return task


async def test_lag_is_how_long_a_waiting_send_could_have_gone_already():
    clock = StalledClock()
    pacer = Pacer(10, monotonic=clock.monotonic, sleep=clock.sleep)
    assert pacer.lag() == 0  # nothing sent yet
    assert await release(pacer, clock, 1) == 1000.0
    waiting = await _waiting_send(pacer, clock, 2)  # its slot: (1 + 5 ms) / 10 later
    clock.now = 1000.1
    assert pacer.lag() == 0  # the slot has not come
    clock.now = 1000.3005  # the event loop was busy for 0.2 s past the slot
    assert pacer.lag() == pytest.approx(0.2)
    clock.go.set()
    assert await waiting == 1000.3005
    clock.now = 1001.0
    assert pacer.lag() == 0  # nobody waits any more: an idle sender is not behind


async def test_no_lag_while_a_429_pause_holds_the_sends_or_when_unpaced():
    clock = StalledClock()
    pacer = Pacer(10, monotonic=clock.monotonic, sleep=clock.sleep)
    await release(pacer, clock, 1)
    pacer.pause(5)
    waiting = await _waiting_send(pacer, clock, 2)
    clock.now = 1003.0
    assert pacer.lag() == 0  # Telegram's pause holds it, not a busy loop
    clock.now = 1005.25
    assert pacer.lag() == pytest.approx(0.25)
    clock.go.set()
    await waiting

    unpaced_clock = StalledClock()
    unpaced = Pacer(None, monotonic=unpaced_clock.monotonic, sleep=unpaced_clock.sleep)
    await release(unpaced, unpaced_clock, 1)
    unpaced_clock.now += 10
    assert unpaced.lag() == 0


# ------------------------------------------------------------------- catch-up

async def _releases_with_one_slow_answer(pacer, clock, slow: float, count: int = 30):
    """`count` sends to distinct chats one after another; the first one's answer comes
    back `slow` seconds after its release, every other one's at once."""
    times = []
    for index in range(count):
        dispatch = await pacer.acquire(index + 1)
        times.append(clock.now)
        pacer.settle(dispatch, at=clock.now + (slow if index == 0 else 0.0))
    return times


async def test_a_short_hold_by_the_guard_is_made_up_and_no_window_holds_more():
    """10/s: the 11th send waits for the first one's answer (10 ms late) plus a second and
    the 5 ms margin, so it goes 10 ms after its slot; the 12th goes on its own slot again
    (11 × 100.5 ms after the first), not 10 ms later, and no second holds more than 10."""
    pacer, clock = make(10)
    times = await _releases_with_one_slow_answer(pacer, clock, slow=0.010)
    assert times[10] == pytest.approx(1000.0 + 0.010 + 1.005)
    assert times[11] == pytest.approx(1000.0 + 11 * 0.1005)
    assert times[-1] == pytest.approx(1000.0 + 29 * 0.1005)
    assert max_in_window(times, 1.0) <= 10


async def test_a_long_hold_by_the_guard_or_a_429_pause_is_not_made_up():
    """A hold longer than the catch-up allowance (here 100 ms) moves every later send,
    and so does a 429 pause however short: Telegram asked for a break, not a burst."""
    pacer, clock = make(10)
    times = await _releases_with_one_slow_answer(pacer, clock, slow=0.100)
    assert times[10] == pytest.approx(1000.0 + 0.100 + 1.005)
    assert times[11] == pytest.approx(times[10] + 0.1005)

    pacer, clock = make(10)
    first = await release(pacer, clock, 1)
    pacer.pause(0.110)  # the second send's slot was 100.5 ms after the first
    second = await release(pacer, clock, 2)
    third = await release(pacer, clock, 3)
    assert second == pytest.approx(first + 0.110)
    assert third == pytest.approx(second + 0.1005)
