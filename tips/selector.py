"""Which tip a subscriber gets next: a pure, deterministic rotation rule.

The rule lives apart from storage and Telegram so it can be tested exhaustively and
benchmarked: the scheduler calls it once per subscriber per day, so it must be cheap,
and its answer must depend only on its inputs so a retried delivery picks the same tip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from tips.catalog import Tip


@dataclass(frozen=True, slots=True)
class Pick:
    """The chosen tip, and whether the caller must reset the subscriber's cycle.

    When ``new_cycle`` is true the caller should forget the old ``seen`` set and
    start the new one with just this tip, or every later call would start a cycle.
    """

    tip: Tip
    new_cycle: bool


@lru_cache(maxsize=1 << 16)
def tip_key(seed: int, tip_id: str) -> bytes:
    """Per-subscriber sort key for a tip.

    blake2b rather than ``hash()``: the built-in is salted per process, and the order
    must survive restarts. Cached because the same few hundred (seed, id) pairs are
    asked for again and again by the daily run.
    """
    return hashlib.blake2b(f"{seed}:{tip_id}".encode(), digest_size=8).digest()


@lru_cache(maxsize=1 << 12)
def _topic_key(seed: int, topic: str) -> bytes:
    """Per-subscriber tie-break between equally full topics, so not everyone starts alike."""
    return hashlib.blake2b(f"{seed}:topic:{topic}".encode(), digest_size=8).digest()


def pick_next(
    candidates: Sequence[Tip],
    seen: Collection[str],
    last_topic: str | None,
    seed: int,
) -> Pick | None:
    """Choose the next tip for one subscriber, or None when nothing is allowed.

    ``candidates`` are the tips this subscriber may get now (chosen topics, not
    retired, not disliked); ``seen`` holds the ids delivered in the current cycle;
    ``last_topic`` is the topic of the previous delivery; ``seed`` is stable per
    subscriber.

    Every candidate is served once before any repeats (a cycle). Within a cycle the
    topic alternates whenever another topic still has unseen tips, and the fullest
    topic goes first so topics run out together instead of one topic being left to
    repeat at the end. Because candidates are re-read on each call, tips added
    mid-cycle are served in that cycle, and topics dropped mid-cycle just vanish.
    """
    if not candidates:
        return None
    if not isinstance(seen, (set, frozenset, dict)):
        seen = set(seen)  # membership is tested once per candidate
    by_topic: dict[str, list[Tip]] = {}
    for tip in candidates:
        if tip.id not in seen:
            by_topic.setdefault(tip.topic, []).append(tip)
    new_cycle = not by_topic
    if new_cycle:
        for tip in candidates:
            by_topic.setdefault(tip.topic, []).append(tip)

    if len(by_topic) > 1 and last_topic in by_topic:
        del by_topic[last_topic]
    if len(by_topic) == 1:
        (pool,) = by_topic.values()
    else:
        topic = max(by_topic, key=lambda t: (len(by_topic[t]), _topic_key(seed, t)))
        pool = by_topic[topic]
    # Keys are 64-bit digests, so a tie (which would let candidate order decide) is
    # not a practical concern.
    chosen = min(pool, key=lambda tip: tip_key(seed, tip.id))
    return Pick(tip=chosen, new_cycle=new_cycle)
