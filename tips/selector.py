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


_MASK = (1 << 64) - 1


def _bits(text: str) -> int:
    """64 stable bits of a string: blake2b rather than ``hash()``, which is salted per
    process, because the order must survive restarts."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@lru_cache(maxsize=4096)
def _id_bits(tip_id: str) -> int:
    """A tip id's (or a topic's) bits: a few hundred distinct values, each hashed once."""
    return _bits(tip_id)


def _mix(x: int) -> int:
    """MurmurHash3's 64-bit finalizer: every input bit moves every output bit.

    Integer arithmetic instead of one blake2b per (subscriber, tip): the tick ranks
    about twenty tips for each of up to a million subscribers a day.
    """
    x = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCD & _MASK
    x = (x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53 & _MASK
    return x ^ (x >> 33)


def tip_key(seed: int, tip_id: str) -> int:
    """Per-subscriber sort key for a tip: stable across restarts, different per seed.

    The seed's and the id's stable bits (blake2b), mixed: `_mix(bits(seed) ^ bits(id))`.
    """
    return _mix(_bits(str(seed)) ^ _id_bits(tip_id))


def _topic_key(seed: int, topic: str) -> int:
    """Per-subscriber tie-break between equally full topics, so not everyone starts alike."""
    return _mix(_bits(str(seed)) ^ _id_bits(f"topic:{topic}"))


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
    # Keys are 64-bit mixes, so a tie (which would let candidate order decide) is
    # not a practical concern.
    chosen = min(pool, key=lambda tip: tip_key(seed, tip.id))
    return Pick(tip=chosen, new_cycle=new_cycle)


# --- perf: the daily tick asks the same question for thousands of subscribers who share a
# handful of topic choices. A CandidateSet groups one candidate list by topic once, so each
# pick counts the unseen tips per topic from `seen` (a few ids) instead of regrouping every
# candidate, and ranks only the chosen topic's pool. Same answers as pick_next.


class CandidateSet:
    """One candidate list, grouped by topic once; `pick` answers as `pick_next` would.

    Build one per distinct candidate list (the caller caches them) and call `pick` per
    subscriber. Lists that name a tip twice fall back to `pick_next` itself.
    """

    __slots__ = ("_bits", "_candidates", "_groups", "_topic_bits", "_topic_of", "_unique")

    def __init__(self, candidates: Sequence[Tip]) -> None:
        self._candidates = tuple(candidates)
        groups: dict[str, list[Tip]] = {}
        for tip in self._candidates:
            groups.setdefault(tip.topic, []).append(tip)
        self._groups = {topic: tuple(tips) for topic, tips in groups.items()}
        self._topic_of = {tip.id: tip.topic for tip in self._candidates}
        # The ids' and topics' halves of tip_key and _topic_key, hashed once: a key is
        # then one _mix of the seed's bits with these.
        self._bits = {topic: tuple(_id_bits(tip.id) for tip in tips)
                      for topic, tips in self._groups.items()}
        self._topic_bits = {topic: _id_bits(f"topic:{topic}") for topic in self._groups}
        self._unique = len(self._topic_of) == len(self._candidates)

    def __len__(self) -> int:
        return len(self._candidates)

    def pick(self, seen: Collection[str], last_topic: str | None, seed: int) -> Pick | None:
        """pick_next(candidates, seen, last_topic, seed), without regrouping the candidates."""
        if not self._candidates:
            return None
        if not self._unique:
            return pick_next(self._candidates, seen, last_topic, seed)
        if not isinstance(seen, (set, frozenset, dict)):
            seen = set(seen)
        groups = self._groups
        # Unseen tips per topic, in the order pick_next would meet the topics.
        unseen = {topic: len(tips) for topic, tips in groups.items()}
        topic_of = self._topic_of
        for tip_id in seen:
            topic = topic_of.get(tip_id)
            if topic is not None:
                unseen[topic] -= 1
        open_topics = [topic for topic, count in unseen.items() if count]
        new_cycle = not open_topics
        if new_cycle:
            unseen = {topic: len(tips) for topic, tips in groups.items()}
            open_topics = list(unseen)
        if len(open_topics) > 1 and last_topic in open_topics:
            open_topics.remove(last_topic)
        seed_bits = _bits(str(seed))
        if len(open_topics) == 1:
            (topic,) = open_topics
        else:  # the fullest topic; ties broken by _topic_key, the first of equals wins
            topic_bits = self._topic_bits
            ranks = [(unseen[t], _mix(seed_bits ^ topic_bits[t])) for t in open_topics]
            topic = open_topics[ranks.index(max(ranks))]
        pool = groups[topic]
        bits = self._bits[topic]
        if not new_cycle and seen:
            kept = [i for i, tip in enumerate(pool) if tip.id not in seen]
            pool = tuple(pool[i] for i in kept)
            bits = tuple(bits[i] for i in kept)
        # min(pool, key=tip_key): the same keys, the first of equal keys wins.
        keys = [_mix(seed_bits ^ b) for b in bits]
        return Pick(tip=pool[keys.index(min(keys))], new_cycle=new_cycle)
