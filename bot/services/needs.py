"""Personal daily magnesium need: the RDA figure, what it looks like on a plate, the limit.

The rules are plain functions over the loaded tables (no Telegram objects, no database),
so every band × sex × status answer can be checked exhaustively, and the buttons, the
console and the tests all reach the same figure. `NeedService` only adds the one write:
remembering the answer on the subscriber row so /foods can show "% of your need".

Contracts: the supplement limit shown is the chosen age band's own (65 mg at 1-3 years,
110 mg at 4-8, 350 mg from 9), never the adult one for a toddler; the food example is the
band's hand-picked day from rda.toml (varied for adults; for children no whole nuts or nut
butter, with the children's choking and allergy note), not whatever rows add up closest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.content import ContentLibrary
from bot.storage import Storage
from tips.foods import Food, FoodTable, percent_of
from tips.reference import RdaBand, RdaTable

SEXES: tuple[str, ...] = ("male", "female")
# "none" first: it is the answer for everyone the table has no special figure for.
STATUSES: tuple[str, ...] = ("none", "pregnancy", "lactation")


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
    """The answer to /need: the figure, a food example and the band's supplement limit.

    ``upper_limit_mg`` is the band's own limit (65 / 110 / 350 mg);
    ``upper_limit_note`` already carries the paediatrician line for children, and
    ``food_note`` is the note to show under the food example (choking and allergies).
    """

    profile: Profile
    band: RdaBand
    mg: int
    servings: tuple[Food, ...]
    servings_mg: int
    servings_percent: int  # of the need, rounded half up like label tables
    upper_limit_mg: int
    upper_limit_note: str
    food_note: str = ""
    child: bool = False


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


def example_foods(foods: FoodTable, band: RdaBand) -> tuple[Food, ...]:
    """The band's food example as table rows, in the order rda.toml lists them.

    Raises ValueError naming the missing food if the example and the food table disagree
    (tests check the shipped files, so this only fires after a careless data edit).
    """
    by_name = {food.name: food for food in foods.foods}
    missing = [name for name in band.example if name not in by_name]
    if missing:
        raise ValueError(f"band {band.key}: example food(s) not in the food table: "
                         + ", ".join(missing))
    return tuple(by_name[name] for name in band.example)


def example_problems(rda: RdaTable, foods: FoodTable) -> list[str]:
    """Every band whose food example names a food the table lacks, for start-up checks."""
    problems: list[str] = []
    for band in rda.bands:
        try:
            example_foods(foods, band)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def compute_need(rda: RdaTable, foods: FoodTable, profile: Profile) -> Need | None:
    """The full /need answer for a profile; None if the band or combination is unknown."""
    band = rda.band(profile.band)
    if band is None:
        return None
    figure = need_mg(band, profile.sex, profile.status)
    if figure is None:
        return None
    servings = example_foods(foods, band)
    servings_mg = sum(food.mg for food in servings)
    note = rda.upper_limit_note
    if band.child:
        note = f"{note} {rda.child_limit_note}"
    return Need(
        profile=profile,
        band=band,
        mg=figure,
        servings=servings,
        servings_mg=servings_mg,
        servings_percent=percent_of(servings_mg, figure),
        upper_limit_mg=band.supplement_limit_mg,
        upper_limit_note=note,
        food_note=rda.child_food_note if band.young else rda.food_note,
        child=band.child,
    )


class NeedService:
    """Computes a need and stores it on the subscriber row, never creating one."""

    def __init__(self, storage: Storage, content: ContentLibrary) -> None:
        self._storage = storage
        self._content = content  # the figures are every language's; the notes the reader's

    async def is_subscriber(self, chat_id: int) -> bool:
        """/need only makes sense with a row to keep the answer on."""
        return await self._storage.subscribers.get(chat_id) is not None

    async def record(self, chat_id: int, profile: Profile, now: datetime) -> Need | None:
        """Compute and store; None when the chat has no subscriber row (nothing is created).

        Raises ValueError for a profile the table cannot answer (a forged or stale button).
        """
        content = self._content.current()
        need = compute_need(content.rda, content.foods, profile)
        if need is None:
            raise ValueError(f"no RDA figure for {profile.key()}")
        stored = await self._storage.subscribers.set_need(chat_id, need.mg, profile.key(), now)
        return need if stored else None
