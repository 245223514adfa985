"""The cramp diary as a service: logging, check-ins, settings, pictures, report, export.

Speaks in chat ids, diary models and plain results; knows nothing of Telegram. Every
action names the asking chat, and storage checks it against the entry's owner, so an id
taken from someone else's button reaches nothing.

Decisions:
- A diary needs a subscriber row (everything cascades from it on /forget). Before
  /start, /cramp and /sos "Log it" offer one tap that subscribes and opens the logging
  steps (someone in a cramp wants it logged, not a reason); the other diary commands
  answer "send /start first" (`NO_DIARY`), like /need: no hidden rows are created for
  people who never subscribed. A stopped
  subscriber keeps their diary and can keep logging; prompts only go while tips are on.
- The settings row is made with the first entry, check-in or setting; weekly pictures
  are on by default from then on (Sunday, at the person's daily tip time).
- Nothing here logs anything about an entry: diary contents are health data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.core.clock import Clock
from bot.core.timecalc import local_date
from bot.core.zones import resolve_zone
from bot.diary import chart, export, report, weekly
from bot.diary.days import DayLogs, WeekDays, week_days
from bot.diary.flow import Action, Complete, Outcome, Rejected, Removed, Updated, apply
from bot.diary.models import CheckIn, CheckInAnswer, CrampEntry, Period, Trigger, new_entry
from bot.diary.prompts import (
    RETENTION_MONTHS,
    PromptKind,
    checkin_accepts,
    next_slot,
    retention_cutoff,
)
from bot.services.food import FoodLogService, FoodWeek
from bot.storage import Storage
from bot.storage.models import DiarySettings, Subscriber
from tips.reference import emergency_number

RECENT_ENTRIES = 5
UNDO_RECORDS_DAYS = 30  # how long "this message already saved an entry" is remembered


@dataclass(frozen=True, slots=True)
class NoDiary:
    """The chat has no subscriber row: the diary needs /start first."""


NO_DIARY = NoDiary()


@dataclass(frozen=True, slots=True)
class NightHasCramps:
    """"No cramps" for a night the diary already holds a cramp for: the night is kept as
    one with cramps, so the record never says both."""

    night_of: date


@dataclass(frozen=True, slots=True)
class Saved:
    entry: CrampEntry


@dataclass(frozen=True, slots=True)
class AlreadySaved:
    """This message's button saved an entry before (a double tap, a replay, or after Undo)."""

    entry: CrampEntry | None  # still there, or None once undone/deleted


@dataclass(frozen=True, slots=True)
class Gone:
    """No such entry for this chat: deleted, never this chat's, or forged."""


@dataclass(frozen=True, slots=True)
class DiaryView:
    entries: tuple[CrampEntry, ...]  # newest first
    total: int
    settings: DiarySettings | None
    today: date  # the person's local date now
    zone: tzinfo  # the person's zone, for the time an entry was logged


@dataclass(frozen=True, slots=True)
class WeeklyView:
    picture: weekly.WeeklyPicture
    series: chart.Series
    food: FoodWeek | None = None  # this week's logged foods, when there are any
    days: WeekDays | None = None  # this week's days side by side


@dataclass(frozen=True, slots=True)
class ReportView:
    report: report.Report
    food: FoodWeek | None  # the report's last week's logged foods, when there are any


@dataclass(frozen=True, slots=True)
class ExportFiles:
    entries_csv: str
    checkins_csv: str
    settings_csv: str
    water_csv: str
    food_csv: str
    stretches_csv: str


@dataclass(frozen=True, slots=True)
class DiaryCounts:
    """What /mydata lists: counts and settings, never the entries themselves."""

    entries: int
    checkins: int
    settings: DiarySettings | None
    stretches: int  # evening stretches marked done


def zone_of(subscriber: Subscriber) -> tzinfo:
    return resolve_zone(subscriber.timezone)


class DiaryService:
    def __init__(self, storage: Storage, clock: Clock, food: FoodLogService) -> None:
        self._storage = storage
        self._clock = clock
        self._food = food

    async def _subscriber(self, chat_id: int) -> Subscriber | None:
        return await self._storage.subscribers.get(chat_id)

    async def _ensure(self, subscriber: Subscriber) -> None:
        now = self._clock.now()
        weekly_at, _ = next_slot(PromptKind.WEEKLY, subscriber.send_time,
                                 zone_of(subscriber), now)
        await self._storage.diary.ensure_settings(subscriber.chat_id, weekly_at, now)

    async def can_keep(self, chat_id: int) -> bool:
        return await self._subscriber(chat_id) is not None

    async def emergency_number(self, chat_id: int) -> str | None:
        subscriber = await self._subscriber(chat_id)
        return emergency_number(subscriber.timezone) if subscriber else None

    # ------------------------------------------------------------ logging

    async def save(self, chat_id: int, done: Complete, source_message_id: int
                   ) -> Saved | AlreadySaved | NoDiary:
        """Save the entry the fourth tap completed, once per message that carried it."""
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        await self._ensure(subscriber)
        now = self._clock.now()
        entry = new_entry(chat_id=chat_id, muscle=done.muscle, severity=done.severity,
                          duration=done.duration, when=done.when, logged_at=now,
                          tz=zone_of(subscriber))
        entry_id = await self._storage.diary.add_entry(entry, source_message_id, now)
        if entry_id is None:
            return AlreadySaved(await self._by_source(chat_id, source_message_id))
        stored = await self._storage.diary.entry(chat_id, entry_id)
        assert stored is not None
        return Saved(stored)

    async def saved_from(self, chat_id: int, message_id: int) -> AlreadySaved:
        """What a message's fourth tap saved before, for a press that must not save again."""
        return AlreadySaved(await self._by_source(chat_id, message_id))

    async def _by_source(self, chat_id: int, message_id: int) -> CrampEntry | None:
        return await self._storage.diary.entry_by_source(chat_id, message_id)

    async def act(self, chat_id: int, entry_id: int, action: Action,
                  trigger: Trigger | None = None) -> Outcome | Gone:
        """One summary or /diary button on a stored entry of this chat."""
        entry = await self._storage.diary.entry(chat_id, entry_id)
        if entry is None:
            return Gone()
        outcome = apply(entry, action, trigger)
        if isinstance(outcome, Updated):
            if not await self._storage.diary.update_entry(outcome.entry):
                return Gone()
        elif isinstance(outcome, Removed):
            if not await self._storage.diary.delete_entry(chat_id, entry_id):
                return Gone()
        elif isinstance(outcome, Rejected):
            return outcome
        return outcome

    # ------------------------------------------------------------ check-ins

    async def answer_checkin(self, chat_id: int, night_of: date, answer: CheckInAnswer
                             ) -> bool | NoDiary | NightHasCramps:
        """Record a morning answer; False when the button is too old (or future-dated),
        NightHasCramps (and the night recorded as one with cramps) for "No cramps" about a
        night that already has a logged cramp."""
        accepted = await self._accepts(chat_id, night_of)
        if not isinstance(accepted, datetime):
            return accepted
        now = accepted
        contradicted = (answer is CheckInAnswer.NO_CRAMPS
                        and await self._night_has_cramps(chat_id, night_of))
        if contradicted:
            answer = CheckInAnswer.CRAMPS
        recorded = await self._storage.diary.record_checkin(
            CheckIn(chat_id, night_of, answer, now))
        return NightHasCramps(night_of) if contradicted and recorded else recorded

    async def stretch_done(self, chat_id: int, day: date) -> bool | NoDiary:
        """Record that the person did the evening stretch of local date `day` (the date of
        the stretch message answered); False when that message is too old or
        future-dated, by the check-in's rule (today's or yesterday's only)."""
        accepted = await self._accepts(chat_id, day)
        if not isinstance(accepted, datetime):
            return accepted
        await self._storage.diary.record_stretch(chat_id, day, accepted)
        return True

    async def _accepts(self, chat_id: int, day: date) -> datetime | bool | NoDiary:
        """Whether an answer to a prompt of local date `day` (today's or yesterday's) is
        taken now: the moment it is (settings row made), False, or NO_DIARY."""
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        now = self._clock.now()
        if not checkin_accepts(day, local_date(now, zone_of(subscriber))):
            return False
        await self._ensure(subscriber)
        return now

    async def _night_has_cramps(self, chat_id: int, night_of: date) -> bool:
        return any(entry.local_date == night_of and entry.period is Period.NIGHT
                   for entry in await self._storage.diary.entries_since(chat_id, night_of))

    # ------------------------------------------------------------ settings and views

    async def view(self, chat_id: int, limit: int = RECENT_ENTRIES) -> DiaryView | NoDiary:
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        zone = zone_of(subscriber)
        return DiaryView(tuple(await self._storage.diary.recent_entries(chat_id, limit)),
                         await self._storage.diary.entry_count(chat_id),
                         await self._storage.diary.settings(chat_id),
                         local_date(self._clock.now(), zone), zone)

    async def set_prompt(self, chat_id: int, kind: PromptKind, at: time | None
                         ) -> DiarySettings | NoDiary:
        """Turn the check-in or the evening stretch on at `at`, or off with None."""
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        await self._ensure(subscriber)
        now = self._clock.now()
        next_at = None if at is None else next_slot(kind, at, zone_of(subscriber), now)[0]
        await self._storage.diary.set_prompt(chat_id, kind.value, at, next_at, now)
        settings = await self._storage.diary.settings(chat_id)
        assert settings is not None
        return settings

    async def set_weekly(self, chat_id: int, enabled: bool) -> DiarySettings | NoDiary:
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        await self._ensure(subscriber)
        now = self._clock.now()
        next_at = (next_slot(PromptKind.WEEKLY, subscriber.send_time, zone_of(subscriber),
                             now)[0] if enabled else None)
        await self._storage.diary.set_weekly(chat_id, enabled, next_at, now)
        settings = await self._storage.diary.settings(chat_id)
        assert settings is not None
        return settings

    async def set_retention(self, chat_id: int, months: int) -> DiarySettings | NoDiary | None:
        """None for a number of months no button offers."""
        if months not in RETENTION_MONTHS:
            return None
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        await self._ensure(subscriber)
        await self._storage.diary.set_retention(chat_id, months, self._clock.now())
        settings = await self._storage.diary.settings(chat_id)
        assert settings is not None
        return settings

    async def _history(self, chat_id: int, today: date, weeks_back: int
                       ) -> tuple[list[CrampEntry], list[CheckIn]]:
        first = weekly.week_start(today) - timedelta(weeks=weeks_back)
        return (await self._storage.diary.entries_since(chat_id, first),
                await self._storage.diary.checkins_since(chat_id, first))

    async def today(self, chat_id: int) -> date | None:
        subscriber = await self._subscriber(chat_id)
        return local_date(self._clock.now(), zone_of(subscriber)) if subscriber else None

    async def _day_logs(self, chat_id: int, first: date) -> DayLogs:
        """The water, food and stretch logs from local date `first` on, as dates."""
        return DayLogs(
            tuple(g.local_date for g in await self._storage.water.glasses(chat_id)
                  if g.local_date >= first),
            tuple((f.local_date, f.mg) for f in await self._storage.food.entries(chat_id)
                  if f.local_date >= first),
            tuple(await self._storage.diary.stretch_days(chat_id, first)))

    async def weekly(self, chat_id: int, today: date) -> WeeklyView:
        """This week against last, the rules, eight weeks of nights with cramps, and this
        week's days side by side."""
        entries, checkins = await self._history(chat_id, today, weekly.HISTORY_WEEKS)
        picture = weekly.weekly_picture(entries, checkins, today)
        start = picture.this_week.start
        return WeeklyView(picture, chart.nights_series(picture.history),
                          await self._food.week(chat_id, start, today),
                          week_days(entries, checkins,
                                         await self._day_logs(chat_id, start), start, today))

    async def report(self, chat_id: int, week_count: int) -> ReportView | NoDiary:
        today = await self.today(chat_id)
        if today is None:
            return NO_DIARY
        entries, checkins = await self._history(chat_id, today, week_count + 1)
        first = weekly.week_start(today) - timedelta(weeks=week_count - 1)
        found = report.build_report(entries, checkins, today, week_count,
                                    await self._day_logs(chat_id, first))
        return ReportView(found, await self._food.week(chat_id, found.weeks[-1].start, today))

    async def export(self, chat_id: int) -> ExportFiles | NoDiary:
        """Everything stored about the person's diary, settings and /need profile."""
        subscriber = await self._subscriber(chat_id)
        if subscriber is None:
            return NO_DIARY
        entries = await self._storage.diary.entries_since(chat_id, date.min)
        checkins = await self._storage.diary.checkins_since(chat_id, date.min)
        settings = await self._storage.diary.settings(chat_id)
        water = await self._storage.water.settings(chat_id)

        def hhmm(value: time | None) -> str:
            return value.strftime("%H:%M") if value else "off"

        rows = {
            "status": subscriber.status,
            "daily_time": subscriber.send_time.strftime("%H:%M"),
            "timezone": subscriber.timezone,
            "topics": ";".join(subscriber.topics),
            "need_mg": str(subscriber.need_mg or ""),
            "need_profile": subscriber.need_profile or "",
            "checkin_time": hhmm(settings.checkin_time) if settings else "off",
            "stretch_time": hhmm(settings.stretch_time) if settings else "off",
            "weekly_picture": ("on" if settings.weekly_enabled else "off") if settings
            else "off",
            "retention_months": str(settings.retention_months if settings else 12),
            "water_glass": water.glass if water else "",
            "water_target": str(water.target or "") if water else "",
            "water_nudge": "on" if water and water.nudge else "off",
            "water_hot_days": ";".join(day.isoformat() for day in
                                       await self._storage.water.hot_days(chat_id)),
        }
        return ExportFiles(export.entries_csv(entries), export.checkins_csv(checkins),
                           export.settings_csv(rows),
                           export.water_csv((g.local_date, g.logged_at, g.ml) for g in
                                            await self._storage.water.glasses(chat_id)),
                           export.food_csv((f.local_date, f.logged_at, f.food, f.servings, f.mg)
                                           for f in await self._storage.food.entries(chat_id)),
                           export.stretches_csv(await self._storage.diary.stretches(chat_id)))

    async def counts(self, chat_id: int) -> DiaryCounts:
        return DiaryCounts(await self._storage.diary.entry_count(chat_id),
                           await self._storage.diary.checkin_count(chat_id),
                           await self._storage.diary.settings(chat_id),
                           await self._storage.diary.stretch_count(chat_id))

    async def aggregate_counts(self) -> tuple[int, int]:
        """(people with a diary, entries logged in the last 7 days): all /stats may show."""
        since = self._clock.now() - timedelta(days=7)
        return (await self._storage.diary.people_with_diary(),
                await self._storage.diary.entries_logged_since(since))

    async def people_stretching(self) -> int:
        """How many people marked an evening stretch done: a count, all /stats may show."""
        return await self._storage.diary.people_stretching()

    # ------------------------------------------------------------ retention

    async def sweep(self) -> int:
        """Delete what is older than each person's retention: diary entries, check-ins
        and the water and food logs (whose keepers without a diary get the default 12
        months).
        Returns diary entries deleted."""
        now = self._clock.now()

        def cutoffs(targets: list[tuple[int, int, str]]) -> list[tuple[int, date]]:
            found = []
            for chat_id, months, zone in targets:
                try:
                    today = local_date(now, resolve_zone(zone))
                except ValueError:
                    today = now.date()
                found.append((chat_id, retention_cutoff(today, months)))
            return found

        await self._storage.water.delete_before(
            cutoffs(await self._storage.water.retention_targets()))
        await self._storage.food.delete_before(
            cutoffs(await self._storage.food.retention_targets()))
        return await self._storage.diary.delete_before(
            cutoffs(await self._storage.diary.retention_targets()),
            now - timedelta(days=UNDO_RECORDS_DAYS))
