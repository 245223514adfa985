"""Done when: one person in Berlin lives a month (Sat 10 Oct - Sun 8 Nov 2026, summer time
ends on Sun 25 Oct) with the daily tip, the morning check-in, the afternoon water nudge and,
from its third week, the evening stretch, all through the real Application, the tick, the
outbox and the sender; and what they saw, what the database holds, the weekly pictures and
/report add up with what the test logged.

The plan, by local date (the tip at 08:00, the check-in at 07:00):
- nudge on: a dry day gets it at 15:00, a day with a glass does not, a glass logged and
  undone leaves the day dry; Sundays' weekly picture takes its place (tip, check-in,
  weekly); a "⏰ Later" asked for in the morning takes it too, and one asked for after it
  moves to the next morning, whose own nudge then gives way;
- nudge off: "🔥 Hot day" on the check-in (summer time) and `/water hot` (winter time)
  each bring that day's nudge at 15:00 local; with the stretch on, a hot day has no room
  and the answer promises nothing;
- stretch at 21:00 from Tue 27 Oct: "✅ I stretched" on some days, "⏰ Later" at 21:30
  moving to 07:00 with a note, that morning's Later then taking the day's stretch place.
Expected figures are this module's own arithmetic over what it logged.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.diary.test_water_nudge import CROWDED, HOT, NUDGE
from tests.helpers import USER

pytestmark = pytest.mark.both_engines

BERLIN = ZoneInfo("Europe/Berlin")
FIRST, LAST = date(2026, 10, 10), date(2026, 11, 8)
MG = {"almonds": 80, "pumpkin seeds": 156, "chia seeds": 111}  # one serving, the table's
PROMISE = "\n🔔 If no glass is logged by 15:00, I will send one reminder then."
CAREFUL = "A diary shows what moves together, not what causes what."


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def count_text(glasses: int) -> str:
    noun = "glass" if glasses == 1 else "glasses"
    return f"💧 {glasses} {noun} today ({glasses * 250:,} ml)"


def kind_of(message) -> str:
    """What a scheduled message is, by what the person reads."""
    text = message.text or ""
    if text == NUDGE:
        return "nudge"
    if "Any cramps last night" in text:
        return "checkin"
    if "Your cramp week" in text:
        return "weekly"
    if text.startswith("🧘 One-minute stretch"):
        return "stretch"
    if any(data.startswith("lt:ask:") for data in message.callback_data or ()):
        return "tip"
    return "other: " + text[:40]


class Month:
    """The person's month: what the test logged (the expected figures) and what the tick
    sent, by local date."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.glasses: Counter[date] = Counter()
        self.mg: Counter[date] = Counter()
        self.cramp_nights: dict[date, int] = {}  # night of date -> cramps (0 = answered no)
        self.stretched: set[date] = set()
        self.sent: dict[date, list[tuple[str, datetime]]] = defaultdict(list)
        self.messages: dict[date, list] = defaultdict(list)

    # -- what the tick sent

    def today(self, kind: str, day: date):
        found = [m for m in self.messages[day] if kind_of(m) == kind]
        assert found, (kind, day, [kind_of(m) for m in self.messages[day]])
        return found[-1]

    def kinds(self, day: date) -> list[str]:
        return [kind for kind, _ in self.sent[day]]

    # -- what the person does

    async def water(self, day: date, count: int = 1) -> None:
        for _ in range(count):
            answer = await self.bot.reply("/water")
            self.glasses[day] += 1
            assert answer.text.startswith(count_text(self.glasses[day])), answer.text

    async def press_glass(self, message, data: str, day: date) -> None:
        [answer] = await self.bot.press(message, data)
        self.glasses[day] += 1
        assert answer.text.startswith(count_text(self.glasses[day])), answer.text

    async def undo_last_glass(self, day: date) -> None:
        answer = await self.bot.reply("/water")
        assert answer.text.startswith(count_text(self.glasses[day] + 1)), answer.text
        undo = next(data for data in answer.callback_data if data.startswith("wu:"))
        await self.bot.press(answer, undo)
        shown = self.bot.standin.message(USER, answer.message_id)
        assert shown.text.startswith("↩️ One glass removed.\n" + count_text(self.glasses[day]))

    async def ate(self, day: date, food: str) -> None:
        answer = await self.bot.reply(f"/ate {food}")
        assert answer.text.startswith("🍽 Logged for today: 1 serving of"), answer.text
        assert f"{MG[food]} mg of magnesium" in answer.text
        self.mg[day] += MG[food]

    async def ate_from_foods(self, day: date, food: str) -> None:
        shown = await self.bot.reply(f"/foods {food}")
        [answer] = await self.bot.press(shown, f"ate:{food}")
        assert f"{MG[food]} mg of magnesium" in answer.text
        self.mg[day] += MG[food]

    async def check_in(self, day: date, cramp: bool) -> None:
        question = self.today("checkin", day)
        stamp = day.strftime("%Y%m%d")
        if cramp:
            yes = next(data for data in question.callback_data
                       if data.startswith("ck:") and not data.startswith("ck:n:"))
            await self.bot.press(question, yes)
            for data in ("cd:0--0", "cd:01-0", "cd:0110"):
                await self.bot.press(self.bot.standin.message(USER, question.message_id),
                                     data)
        else:
            await self.bot.press(question, f"ck:n:{stamp}")
        self.cramp_nights[day] = int(cramp)

    async def stretch_done(self, day: date) -> None:
        stretch = self.today("stretch", day)
        await self.bot.press(stretch, f"sd:{day.strftime('%Y%m%d')}")
        self.stretched.add(day)

    async def later(self, message, choice: str) -> str:
        """"⏰ Later" under `message`, then `choice`; what the choices message then says."""
        ask = next(data for data in message.callback_data if data.startswith("lt:ask:"))
        [asked] = await self.bot.press(message, ask)
        await self.bot.press(asked, ask.replace(":ask:", f":{choice}:"))
        return self.bot.standin.message(USER, asked.message_id).text

    async def settings_nudge(self, on: bool) -> str:
        panel = await self.bot.reply("/settings")
        await self.bot.press(panel, "ws:menu:menu")
        await self.bot.press(panel, "ws:n:on" if on else "ws:n:off")
        state = "🔔 Afternoon reminder: on" if on else "🔕 Afternoon reminder: off"
        shown = self.bot.standin.message(USER, panel.message_id).text
        assert state in shown
        return shown


Action = Callable[[Month], Awaitable[None]]


def plan() -> dict[tuple[date, int], list[Action]]:
    """What the person does, keyed by (local date, local hour); each acts ten minutes past
    that hour's tick."""
    acts: dict[tuple[date, int], list[Action]] = defaultdict(list)

    def at(day: date, hour: int):
        def register(action: Action) -> Action:
            acts[(day, hour)].append(action)
            return action
        return register

    # Every morning's check-in is answered: a cramp on these nights, none on the others.
    cramps = {d(10, 12), d(10, 15), d(10, 20), d(10, 23), d(10, 28), d(11, 4), d(11, 7)}
    day = FIRST
    while day <= LAST:
        if day not in (d(10, 17), d(10, 20)):  # those two first press a water button
            at(day, 7)(lambda m, day=day: m.check_in(day, day in cramps))
        day += timedelta(days=1)

    # -- nudge on (stretch off)
    @at(d(10, 10), 12)
    async def sat_10(m: Month) -> None:
        await m.ate(d(10, 10), "almonds")

    @at(d(10, 10), 15)
    async def sat_10_nudge(m: Month) -> None:  # a dry day: the nudge came, its glass counts
        await m.press_glass(m.today("nudge", d(10, 10)), "wa:nudge", d(10, 10))

    @at(d(10, 12), 10)
    async def mon_12(m: Month) -> None:  # two glasses by 10:00: no nudge
        await m.water(d(10, 12), 2)
        await m.ate(d(10, 12), "pumpkin seeds")

    @at(d(10, 13), 10)
    async def tue_13(m: Month) -> None:  # a glass logged and undone: still a dry day
        await m.undo_last_glass(d(10, 13))

    @at(d(10, 14), 8)
    async def wed_14(m: Month) -> None:  # a Later this morning fills the day: no nudge
        said = await m.later(m.today("tip", d(10, 14)), "evening")
        assert said == "⏰ I'll send it again today at 19:00."
        await m.ate(d(10, 14), "almonds")
        await m.ate(d(10, 14), "almonds")

    @at(d(10, 15), 15)
    async def thu_15(m: Month) -> None:
        await m.press_glass(m.today("nudge", d(10, 15)), "wa:nudge", d(10, 15))

    @at(d(10, 15), 16)
    async def thu_15_later(m: Month) -> None:  # after the nudge: the day is full
        said = await m.later(m.today("tip", d(10, 15)), "hour")
        assert said == ("⏰ I'll send it again tomorrow at 07:00.\nThat day already has its "
                        "three scheduled messages, so it comes the next morning.")

    @at(d(10, 17), 7)
    async def sat_17(m: Month) -> None:  # 💧 on the check-in, then the answer
        await m.press_glass(m.today("checkin", d(10, 17)), "wa:checkin", d(10, 17))
        await m.check_in(d(10, 17), False)

    @at(d(10, 18), 20)
    async def sun_18(m: Month) -> None:
        await m.settings_nudge(False)

    # -- nudge off; summer time ends on Sun 25 Oct
    @at(d(10, 19), 17)
    async def mon_19(m: Month) -> None:
        await m.water(d(10, 19))

    @at(d(10, 20), 7)
    async def tue_20(m: Month) -> None:  # 🔥 on the check-in turns today's nudge on
        checkin = m.today("checkin", d(10, 20))
        [answer] = await m.bot.press(checkin, "ws:hot:hot")
        assert answer.text == HOT + PROMISE
        await m.check_in(d(10, 20), True)

    @at(d(10, 20), 15)
    async def tue_20_nudge(m: Month) -> None:
        await m.press_glass(m.today("nudge", d(10, 20)), "wa:nudge", d(10, 20))

    @at(d(10, 21), 12)
    async def wed_21(m: Month) -> None:
        await m.ate(d(10, 21), "chia seeds")

    @at(d(10, 22), 10)
    async def thu_22(m: Month) -> None:
        await m.water(d(10, 22), 2)

    @at(d(10, 24), 8)
    async def sat_24(m: Month) -> None:  # 💧 under the daily tip
        await m.press_glass(m.today("tip", d(10, 24)), "wa:tip", d(10, 24))

    @at(d(10, 26), 10)
    async def mon_26(m: Month) -> None:  # /water hot with the setting off: 15:00 CET
        assert (await m.bot.reply("/water hot")).text == HOT + PROMISE
        await m.ate_from_foods(d(10, 26), "almonds")

    @at(d(10, 27), 10)
    async def tue_27(m: Month) -> None:  # the evening stretch from today, at 21:00
        screen = await m.bot.reply("/diary")
        await m.bot.press(screen, "ds:st:menu")
        await m.bot.press(screen, "ds:st:21:00")

    @at(d(10, 29), 10)
    async def thu_29(m: Month) -> None:  # tip, check-in and stretch: no room, no promise
        assert (await m.bot.reply("/water hot")).text == HOT

    @at(d(10, 30), 21)
    async def fri_30(m: Month) -> None:
        m.bot.clock.set(local(d(10, 30), 21, 30))
        said = await m.later(m.today("stretch", d(10, 30)), "hour")
        assert said == ("⏰ I'll send it again tomorrow at 07:00.\nThat would be in quiet "
                        "hours (22:00–07:00), so it comes at their end.")

    for stretched in (d(10, 27), d(10, 28), d(11, 2), d(11, 4), d(11, 5), d(11, 7)):
        at(stretched, 21)(lambda m, day=stretched: m.stretch_done(day))

    # -- nudge on again, with the stretch: the stretch keeps its place
    @at(d(11, 2), 10)
    async def mon_2(m: Month) -> None:  # on, and told it has no place while all are on
        assert CROWDED in await m.settings_nudge(True)
        await m.water(d(11, 2), 2)

    @at(d(11, 3), 12)
    async def tue_3(m: Month) -> None:
        await m.water(d(11, 3))
        await m.ate(d(11, 3), "almonds")

    @at(d(11, 4), 8)
    async def wed_4(m: Month) -> None:
        await m.press_glass(m.today("tip", d(11, 4)), "wa:tip", d(11, 4))

    @at(d(11, 5), 12)
    async def thu_5(m: Month) -> None:
        await m.ate(d(11, 5), "pumpkin seeds")

    @at(d(11, 6), 12)
    async def fri_6(m: Month) -> None:
        await m.water(d(11, 6), 3)
        await m.undo_last_glass(d(11, 6))  # logged a fourth by mistake
        await m.ate_from_foods(d(11, 6), "chia seeds")

    return acts


async def live_the_month(bot) -> Month:
    month = Month(bot)
    bot.clock.set(local(d(10, 9), 18))
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    await bot.say("/time 08:00")
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:ci:menu")
    await bot.press(screen, "ds:ci:07:00")
    assert CROWDED not in await month.settings_nudge(True)
    acts = plan()
    now = local(d(10, 9), 19)
    for _ in range(31 * 25):  # one tick every UTC hour, to Sun 8 Nov 09:00
        if now > local(LAST, 9):
            break
        bot.clock.set(now)
        before = len(bot.standin.messages_to(USER))
        await bot.deliver_due()
        wall = now.astimezone(BERLIN)
        for message in bot.standin.messages_to(USER)[before:]:
            month.sent[wall.date()].append((kind_of(message), wall))
            month.messages[wall.date()].append(message)
        for action in acts.pop((wall.date(), wall.hour), []):
            if bot.clock.now() < now + timedelta(minutes=10):
                bot.clock.set(now + timedelta(minutes=10))
            await action(month)
        now += timedelta(hours=1)
    assert not acts, sorted(acts)
    return month


def shown(log: Counter[date], day: date, unit: str = "", empty: str = "—") -> str:
    """A day's figure as the week shows it: a number once the week has any entry of that
    log, `empty` (nothing recorded) before."""
    monday = day - timedelta(days=day.weekday())
    if not any(log[other] for other in week_of(monday)):
        return empty
    return f"{log[day]}{unit}"


def weekly_day_line(month: Month, day: date) -> str:
    night = month.cramp_nights.get(day)
    mark = "✓" if day in month.stretched else "—"
    return (f"{day.strftime('%a %-d %b')}: 🌙 {'—' if night is None else night} · "
            f"💧 {shown(month.glasses, day)} · 🍽 {shown(month.mg, day, ' mg')} · 🧘 {mark}")


def week_of(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(7)]


async def test_a_month_of_water_food_stretches_and_laters_adds_up(bot):
    month = await live_the_month(bot)
    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]

    # Local times stay put on both sides of the change (Sun 25 Oct, 03:00 CEST -> 02:00).
    for day in days:
        for kind, wall in month.sent[day]:
            if kind in ("checkin", "tip", "weekly", "nudge"):
                expected = {"checkin": time(7), "tip": time(8), "weekly": time(8),
                            "nudge": time(15)}[kind]
                if kind == "tip" and day in (d(10, 14), d(10, 16)):
                    continue  # the Laters (checked below)
                assert wall.time() == expected, (day, kind, wall)
            if kind == "stretch" and day != d(10, 31):
                assert wall.time() == time(21), (day, wall)
        assert len(month.sent[day]) <= 3, (day, month.kinds(day))  # never a fourth
    assert month.sent[d(10, 24)][0][1].utcoffset() == timedelta(hours=2)
    assert month.sent[d(10, 26)][0][1].utcoffset() == timedelta(hours=1)

    # The nudge: sent on the dry days it had room, never on a day with a glass by 15:00.
    nudge_days = [day for day in days if "nudge" in month.kinds(day)]
    assert nudge_days == [d(10, 10), d(10, 13), d(10, 15), d(10, 20), d(10, 26)]
    rows = bot.rows("SELECT local_date, status, sent_at FROM deliveries WHERE kind = 'nudge' "
                    "ORDER BY local_date")
    assert [(day, status) for day, status, _ in rows] == [
        (day.isoformat(), "sent") for day in nudge_days]
    assert [datetime.fromtimestamp(at, UTC) for _, _, at in rows] == [
        local(day, 15) for day in nudge_days]
    assert [datetime.fromtimestamp(at, UTC).hour for _, _, at in rows] == [13, 13, 13, 13, 14]
    # A day with a glass by 15:00 (Mon 12 Oct, Sat 17 Oct) got none; nor did the days whose
    # three places were taken, by the priority tip > check-in > weekly > stretch > nudge,
    # a Later counted: Sundays' weekly picture, Wed 14 (a Later asked for that morning),
    # Fri 16 (Thursday's Later moved there), and from 2 Nov the stretch.
    for sunday in (day for day in days if day.weekday() == 6):
        assert month.kinds(sunday) == ["checkin", "tip", "weekly"], sunday
    assert month.kinds(d(10, 12)) == month.kinds(d(10, 17)) == ["checkin", "tip"]
    assert month.kinds(d(10, 14)) == ["checkin", "tip", "tip"]
    assert [wall.time() for _, wall in month.sent[d(10, 14)]] == [time(7), time(8), time(19)]
    assert month.kinds(d(10, 15)) == ["checkin", "tip", "nudge"]
    assert month.kinds(d(10, 16)) == ["tip", "checkin", "tip"]  # Thursday's tip at 07:00
    again = next(m for m in month.messages[d(10, 16)] if kind_of(m) == "tip")
    assert (again.text, again.callback_data) == (month.today("tip", d(10, 15)).text,
                                                  month.today("tip", d(10, 15)).callback_data)
    for day in (d(11, 3), d(11, 5), d(11, 6), d(11, 7)):
        assert month.kinds(day) == ["checkin", "tip", "stretch"], day
    assert month.kinds(d(10, 29)) == ["checkin", "tip", "stretch"]  # a hot day, no room
    assert bot.rows("SELECT local_date FROM water_hot_days ORDER BY local_date") == [
        ("2026-10-20",), ("2026-10-26",), ("2026-10-29",)]

    # The stretch's Later at 21:30 came at 07:00 and took that day's third place.
    assert month.kinds(d(10, 31)) == ["stretch", "checkin", "tip"]
    assert month.sent[d(10, 31)][0][1].time() == time(7)
    assert month.today("stretch", d(10, 31)).text == month.today("stretch", d(10, 30)).text
    assert bot.rows("SELECT local_date, status FROM deliveries WHERE kind = 'later' "
                    "ORDER BY local_date") == [
        ("2026-10-14", "sent"), ("2026-10-16", "sent"), ("2026-10-31", "sent")]

    # What the database holds is what was logged.
    glasses = bot.rows("SELECT local_date, count(*), sum(ml) FROM water_glasses "
                       "GROUP BY local_date ORDER BY local_date")
    assert glasses == [(day.isoformat(), n, n * 250)
                       for day, n in sorted(month.glasses.items()) if n]
    foods = bot.rows("SELECT local_date, sum(mg) FROM food_log GROUP BY local_date "
                     "ORDER BY local_date")
    assert [(day, int(mg)) for day, mg in foods] == [
        (day.isoformat(), mg) for day, mg in sorted(month.mg.items())]
    assert bot.rows("SELECT count(*) FROM diary_checkins") == [(len(days),)]
    assert bot.rows("SELECT count(*) FROM cramp_entries") == [
        (sum(month.cramp_nights.values()),)]

    # Five weekly pictures, one each Sunday at 08:00; the last four add up day by day.
    weekly = [month.today("weekly", day) for day in days if day.weekday() == 6]
    assert len(weekly) == 5
    mondays = [d(10, 12), d(10, 19), d(10, 26), d(11, 2)]
    for picture, monday in zip(weekly[1:], mondays, strict=True):
        lines = picture.text.split("\n")
        week = week_of(monday)
        for day in week:
            assert weekly_day_line(month, day) in lines, (weekly_day_line(month, day), picture.text)
        nights = sum(1 for day in week if month.cramp_nights.get(day))
        free = sum(1 for day in week if month.cramp_nights.get(day) == 0)
        water_days = sum(1 for day in week if month.glasses[day])
        stretch_days = sum(1 for day in week if day in month.stretched)
        noun = "night" if nights == 1 else "nights"
        assert f"🌙 {nights} {noun} with cramps, {free} cramp-free" in lines
        if water_days:
            assert f"💧 Water logged on {water_days} of 7 days" in lines
        else:
            assert not any(line.startswith("💧 Water logged") for line in lines)
        if stretch_days:
            assert f"🧘 Stretched on {stretch_days} of 7 days" in lines
        else:  # the stretch was off: no "0 of 7" claiming what nothing recorded
            assert not any(line.startswith("🧘 Stretched") for line in lines)
        assert picture.text.count(CAREFUL) == 1
        mg = sum(month.mg[day] for day in week)
        assert f"🍽 Magnesium from the foods you logged: about {mg} mg this week" \
            in picture.text

    # /report 4 on Sun 8 Nov: the same four weeks, in text and in the CSV.
    bot.clock.set(local(LAST, 9, 30))
    answers = await bot.say("/report 4")
    assert [a.media for a in answers] == [None, "photo", "photo", "document"]
    report = answers[0].text.split("\n")
    assert answers[0].text.count(CAREFUL) == 1
    for monday in mondays:
        week = week_of(monday)
        nights = sum(1 for day in week if month.cramp_nights.get(day))
        free = sum(1 for day in week if month.cramp_nights.get(day) == 0)
        water_days = sum(1 for day in week if month.glasses[day])
        stretch_days = sum(1 for day in week if day in month.stretched)
        mg = sum(month.mg[day] for day in week)
        line = (f"{monday.strftime('%-d %b')}: 🌙 {nights} · cramp-free {free} · "
                f"💧 {water_days}/7 · 🍽 {mg} mg · 🧘 {stretch_days}/7")
        assert line in report, (line, report)
    rows = list(csv.DictReader(io.StringIO(answers[3].file_bytes.decode("utf-8"))))
    assert [row["week_start"] for row in rows] == [m.isoformat() for m in mondays]
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for row, monday in zip(rows, mondays, strict=True):
        week = week_of(monday)
        assert [row[f"{n}_date"] for n in names] == [day.isoformat() for day in week]
        assert [row[f"{n}_night_cramps"] for n in names] == [
            str(month.cramp_nights[day]) for day in week]
        assert [row[f"{n}_glasses"] for n in names] == [
            shown(month.glasses, day, empty="") for day in week]
        assert [row[f"{n}_magnesium_mg_estimate"] for n in names] == [
            shown(month.mg, day, empty="") for day in week]
        assert [row[f"{n}_stretched"] for n in names] == [
            "yes" if day in month.stretched else "" for day in week]
        # A week with nothing of a log is empty there, not zero.
        assert row["glasses_logged"] == str(sum(month.glasses[day] for day in week) or "")
        assert row["magnesium_mg_estimate"] == str(sum(month.mg[day] for day in week) or "")
        assert row["days_stretched"] == str(sum(day in month.stretched for day in week))
        assert row["cramp_free_nights"] == str(
            sum(1 for day in week if month.cramp_nights[day] == 0))
