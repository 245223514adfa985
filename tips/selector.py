"""Which tip a subscriber gets next: a pure, deterministic rotation rule.

The rule lives apart from storage and Telegram so it can be tested exhaustively and
benchmarked: the scheduler calls it once per subscriber per day, so it must be cheap,
and its answer must depend only on its inputs so a retried delivery picks the same tip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
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


@lru_cache(maxsize=4096)
def _bits(text: str) -> int:
    """64 stable bits of a string (a tip id, "topic:" + a topic): blake2b rather than
    ``hash()``, which is salted per process, because the order must survive restarts.
    A few hundred distinct values, each hashed once."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _seed_bits(seed: int) -> int:
    """A subscriber's stable bits (not cached: at 1,000,000 subscribers a seed comes round
    once a day)."""
    return int.from_bytes(hashlib.blake2b(str(seed).encode(), digest_size=8).digest(), "big")


def _mix(x: int) -> int:
    """MurmurHash3's 64-bit finalizer (fmix64): every input bit moves every output bit."""
    x = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCD & _MASK
    x = (x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53 & _MASK
    return x ^ (x >> 33)


def topic_key(seed: int, topic: str) -> int:
    """A subscriber's own number for a topic: it breaks ties between equally full topics
    (so not everyone starts alike) and sets where the subscriber enters the topic's ring."""
    return _mix(_seed_bits(seed) ^ _bits(f"topic:{topic}"))


def ring(tips: Sequence[Tip]) -> tuple[Tip, ...]:
    """One topic's tips in the order every subscriber walks them: by their stable bits."""
    return tuple(sorted(tips, key=lambda tip: (_bits(tip.id), tip.id)))


def entry(key: int, size: int) -> int:
    """Where in a ring of `size` tips a subscriber with this topic key starts: each
    position for 1 / size of all keys (they are uniform 64-bit numbers)."""
    return key * size >> 64


def choose_topic(open_topics: Sequence[str], unseen: Mapping[str, int],
                 sizes: Mapping[str, int], key: Callable[[str], int]) -> str:
    """The topic of the next tip, among `open_topics` (the last topic already left out).

    The topic with the largest share of its tips still unseen comes first, then the one
    with more unseen tips, then the subscriber's own topic key: at a cycle's start every
    share is whole, so the first picks walk through every chosen topic (fullest first)
    instead of alternating between the two fullest ones for weeks. A topic is passed
    over when taking it would leave more of one topic than the others can separate
    (topics could then no longer alternate to the end); when no topic avoids that, the
    fullest goes, which keeps the unavoidable repeats fewest. `unseen` counts each
    topic's unseen tips (zeros allowed), `sizes` its candidates.
    """
    if len(open_topics) == 1:
        return open_topics[0]
    left = sum(unseen.values()) - 1  # unseen tips after this pick

    def alternation_stays_possible(topic: str) -> bool:
        # After `topic`, a topic with n tips left needs n - 1 others between them, and
        # `topic` itself one more (it may not come right again).
        return all(2 * (count - (t == topic)) <= left + (t != topic)
                   for t, count in unseen.items())

    keys = {topic: key(topic) for topic in open_topics}
    ranked = sorted(open_topics, reverse=True,
                    key=lambda t: (unseen[t] / sizes[t], unseen[t], keys[t]))
    for topic in ranked:
        if alternation_stays_possible(topic):
            return topic
    return max(open_topics, key=lambda t: (unseen[t], keys[t]))


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
    topic alternates whenever another topic still has unseen tips, and the topic with
    the largest share of its tips still unseen goes next (see `choose_topic`), so a new
    subscriber meets every chosen topic in the first days and topics run out together
    instead of one topic being left to repeat at the end. Because candidates are
    re-read on each call, tips added mid-cycle are served in that cycle, and topics
    dropped mid-cycle just vanish.
    """
    if not candidates:
        return None
    if not isinstance(seen, (set, frozenset, dict)):
        seen = set(seen)  # membership is tested once per candidate
    sizes: dict[str, int] = {}
    by_topic: dict[str, list[Tip]] = {}
    for tip in candidates:
        sizes[tip.topic] = sizes.get(tip.topic, 0) + 1
        if tip.id not in seen:
            by_topic.setdefault(tip.topic, []).append(tip)
    new_cycle = not by_topic
    if new_cycle:
        for tip in candidates:
            by_topic.setdefault(tip.topic, []).append(tip)

    unseen = {t: len(tips) for t, tips in by_topic.items()}
    open_topics = list(by_topic)
    if len(open_topics) > 1 and last_topic in by_topic:
        open_topics.remove(last_topic)
    topic = choose_topic(open_topics, unseen, sizes, lambda t: topic_key(seed, t))
    pool = by_topic[topic]
    # Within the topic: the first tip still in the pool walking the topic's ring (all of
    # the topic's candidates, seen or not) from the subscriber's own entry point. Every
    # subscriber walks the same ring, each from its own place, so on any day the tips
    # are spread evenly over the subscribers, and a pick costs a few steps, not a hash
    # per tip.
    whole = ring([tip for tip in candidates if tip.topic == topic])
    start = entry(topic_key(seed, topic), len(whole))
    chosen = min(pool, key=lambda tip: (whole.index(tip) - start) % len(whole))
    return Pick(tip=chosen, new_cycle=new_cycle)


# The daily tick asks the same question for thousands of subscribers who share a
# handful of topic choices. A CandidateSet groups one candidate list by topic, and sorts
# each topic's ring, once; a pick counts the unseen tips per topic from `seen` (a few ids)
# instead of regrouping every candidate, and walks the chosen ring from the subscriber's
# entry to the first unseen tip. Same answers as pick_next.


class CandidateSet:
    """One candidate list, grouped by topic once; `pick` answers as `pick_next` would.

    Build one per distinct candidate list (the caller caches them) and call `pick` per
    subscriber. Lists that name a tip twice fall back to `pick_next` itself.
    """

    __slots__ = ("_candidates", "_counts", "_fresh", "_rings", "_same", "_topic_bits",
                 "_topic_of", "_unique")

    def __init__(self, candidates: Sequence[Tip]) -> None:
        self._candidates = tuple(candidates)
        groups: dict[str, list[Tip]] = {}
        for tip in self._candidates:
            groups.setdefault(tip.topic, []).append(tip)
        self._counts = {topic: len(tips) for topic, tips in groups.items()}
        self._rings = {topic: ring(tips) for topic, tips in groups.items()}
        self._topic_bits = {topic: _bits(f"topic:{topic}") for topic in groups}
        self._topic_of = {tip.id: tip.topic for tip in self._candidates}
        self._unique = len(self._topic_of) == len(self._candidates)
        # A Pick is immutable: one per tip and cycle flag, shared by every subscriber.
        self._same = {tip.id: Pick(tip=tip, new_cycle=False) for tip in self._candidates}
        self._fresh = {tip.id: Pick(tip=tip, new_cycle=True) for tip in self._candidates}

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
        # Unseen tips per topic, in the order pick_next would meet the topics.
        unseen = self._counts
        if seen:
            unseen = dict(unseen)
            topic_of = self._topic_of
            for tip_id in seen:
                topic = topic_of.get(tip_id)
                if topic is not None:
                    unseen[topic] -= 1
        open_topics = [topic for topic, count in unseen.items() if count]
        new_cycle = not open_topics
        if new_cycle:
            unseen = self._counts
            open_topics = list(unseen)
        if len(open_topics) > 1 and last_topic in open_topics:
            open_topics.remove(last_topic)
        seed_bits = _seed_bits(seed)
        topic_bits = self._topic_bits
        topic = choose_topic(open_topics, unseen, self._counts,
                             lambda t: _mix(seed_bits ^ topic_bits[t]))
        key = _mix(seed_bits ^ topic_bits[topic])
        tips = self._rings[topic]
        size = len(tips)
        start = entry(key, size)
        if new_cycle:
            return self._fresh[tips[start].id]
        for step in range(size):  # at most the topic's seen tips are skipped
            tip = tips[(start + step) % size]
            if tip.id not in seen:
                return self._same[tip.id]
        raise AssertionError("an open topic has an unseen tip")  # pragma: no cover
