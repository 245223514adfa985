"""Personal daily magnesium need: the NIH RDA figure and what it looks like on a plate.

The rules are plain functions over the loaded tables (no Telegram objects, no database),
so every band × sex × status answer can be checked exhaustively, and the buttons, the
console and the tests all reach the same figure. `NeedService` only adds the one write:
remembering the answer on the subscriber row so /foods can show "% of your need".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from bot.storage import Storage
from tips.foods import Food, FoodTable, percent_of
from tips.reference import RdaBand, RdaTable

SEXES: tuple[str, ...] = ("male", "female")
# "none" first: it is the answer for everyone the table has no special figure for.
STATUSES: tuple[str, ...] = ("none", "pregnancy", "lactation")
# The supplement upper limit in the table covers ages 9 and up; younger bands start below.
UPPER_LIMIT_MIN_AGE = 9
MIN_SERVINGS = 2
MAX_SERVINGS = 3


@dataclass(frozen=True, slots=True)
class Profile:
    """Who the figure is for, as the buttons carry it and the database stores it."""

    band: str
    sex: str
    status: str = "none"

    def key(self) -> str:
        """'31-50:female:none': what subscribers.need_profile holds."""
        return f"{self.band}:{self.sex}:{self.status}"

    @classmethod
    def parse(cls, text: str) -> Profile | None:
        """Read a stored or button-carried profile back; None if it is not well formed."""
        parts = text.split(":")
        if len(parts) != 3 or parts[1] not in SEXES or parts[2] not in STATUSES:
            return None
        return cls(parts[0], parts[1], parts[2])


@dataclass(frozen=True, slots=True)
class Need:
    """The answer to /need: the figure, a food example and the supplement ceiling."""

    profile: Profile
    band: RdaBand
    mg: int
    servings: tuple[Food, ...]
    servings_mg: int
    servings_percent: int  # of the need, rounded half up like label tables
    upper_limit_mg: int
    upper_limit_note: str
    upper_limit_applies: bool  # False for children under 9, whose ceiling is lower


def band_min_age(band: RdaBand) -> int:
    """The band's first year of age ('9-13' → 9, '51+' → 51), from its key."""
    return int(band.key.split("-", 1)[0].rstrip("+"))


def statuses_for(band: RdaBand, sex: str) -> tuple[str, ...]:
    """The life stages worth asking about: only those the table has a figure for."""
    if sex != "female":
        return ("none",)
    extra = (("pregnancy", band.pregnancy), ("lactation", band.lactation))
    return ("none", *(status for status, figure in extra if figure is not None))


def asks_status(band: RdaBand, sex: str) -> bool:
    """Whether the third question (pregnant / breastfeeding) applies to this band and sex."""
    return len(statuses_for(band, sex)) > 1


def need_mg(band: RdaBand, sex: str, status: str) -> int | None:
    """The RDA in mg/day straight from the table; None for a combination it does not list."""
    if sex not in SEXES or status not in statuses_for(band, sex):
        return None
    if status == "pregnancy":
        return band.pregnancy
    if status == "lactation":
        return band.lactation
    return band.female if sex == "female" else band.male


def food_servings(foods: FoodTable, target_mg: int) -> tuple[Food, ...]:
    """Two or three different servings from the table whose total is closest to the target.

    The table is small (tens of rows), so trying every pair and triple is instant and,
    unlike a greedy pick, does not answer a toddler's 80 mg with 156 mg of pumpkin seeds.
    Ties go to a total that reaches the target, then to fewer servings, then to the
    richer, earlier rows of the table, so the same need always gets the same example.
    """
    rows = tuple(enumerate(foods.foods))
    best: tuple[tuple[int, int, int, tuple[int, ...]], tuple[Food, ...]] | None = None
    for size in range(MIN_SERVINGS, min(MAX_SERVINGS, len(rows)) + 1):
        for combo in itertools.combinations(rows, size):
            total = sum(food.mg for _, food in combo)
            rank = (abs(total - target_mg), 0 if total >= target_mg else 1, size,
                    tuple(index for index, _ in combo))
            if best is None or rank < best[0]:
                best = (rank, tuple(food for _, food in combo))
    if best is None:  # a one-row table: that row is the whole example
        return foods.foods[:1]
    return best[1]


def compute_need(rda: RdaTable, foods: FoodTable, profile: Profile) -> Need | None:
    """The full /need answer for a profile; None if the band or combination is unknown."""
    band = rda.band(profile.band)
    if band is None:
        return None
    figure = need_mg(band, profile.sex, profile.status)
    if figure is None:
        return None
    servings = food_servings(foods, figure)
    servings_mg = sum(food.mg for food in servings)
    return Need(
        profile=profile,
        band=band,
        mg=figure,
        servings=servings,
        servings_mg=servings_mg,
        servings_percent=percent_of(servings_mg, figure),
        upper_limit_mg=rda.supplement_upper_limit_mg,
        upper_limit_note=rda.upper_limit_note,
        upper_limit_applies=band_min_age(band) >= UPPER_LIMIT_MIN_AGE,
    )


class NeedService:
    """Computes a need and stores it on the subscriber row, never creating one."""

    def __init__(self, storage: Storage, rda: RdaTable, foods: FoodTable) -> None:
        self._storage = storage
        self._rda = rda
        self._foods = foods

    async def is_subscriber(self, chat_id: int) -> bool:
        """/need only makes sense with a row to keep the answer on."""
        return await self._storage.subscribers.get(chat_id) is not None

    async def record(self, chat_id: int, profile: Profile, now: datetime) -> Need | None:
        """Compute and store; None when the chat has no subscriber row (nothing is created).

        Raises ValueError for a profile the table cannot answer (a forged or stale button).
        """
        need = compute_need(self._rda, self._foods, profile)
        if need is None:
            raise ValueError(f"no RDA figure for {profile.key()}")
        stored = await self._storage.subscribers.set_need(chat_id, need.mg, profile.key(), now)
        return need if stored else None
