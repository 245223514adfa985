"""What people type as a time, a time zone or a day count, and what the bot makes of it."""

from __future__ import annotations

import time as wallclock
from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.parsing import parse_days, parse_send_time
from bot.core.zones import Zone, _zone_names, parse_zone, resolve_zone, suggest_zones

HOSTILE = [
    "",
    "   ",
    "\n\t",
    "abc",
    "x" * 5000,
    "7:30" * 1250,
    "9" * 5000,
    "'; DROP TABLE subscribers;--",
    "1; DELETE FROM deliveries",
    "<b>7:30</b>",
    "<script>alert(1)</script>",
    "💪🧂⏰",
    "⏰ 7:30",
    "السابعة والنصف",
    "\u202e03:7\u202c",  # right-to-left override
    "שבע וחצי",
    "\x00\x01\x02",
    "%s%s%s%n",
    "{0}{1}",
    "../../etc/passwd",
    "null",
    "None",
]

JUNE = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


# --- times of day ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7:30pm", time(19, 30)),
        ("7:30 PM", time(19, 30)),
        ("7:30 p.m.", time(19, 30)),
        ("7:30am", time(7, 30)),
        ("19.30", time(19, 30)),
        ("19h30", time(19, 30)),
        ("7pm", time(19, 0)),
        ("7 pm", time(19, 0)),
        ("7AM", time(7, 0)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:45 pm", time(12, 45)),
        ("0730", time(7, 30)),
        ("2359", time(23, 59)),
        ("0000", time(0, 0)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("  7:30  ", time(7, 30)),
        ("7:30\n", time(7, 30)),
    ],
)
def test_parse_send_time_accepts_common_forms(text, expected):
    assert parse_send_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "25:00",
        "24:00",
        "2400",
        "7:60",
        "07:99",
        "13pm",
        "0pm",
        "0am",
        "0:00pm",
        "13:00 am",
        "7",
        "19",
        "7:3",
        "7:300",
        "730",
        "07300",
        "-7:30",
        "+7:30",
        "7:30 xm",
        "7:30 pmm",
        "7:30:00:00",
        "seven thirty",
    ],
)
def test_parse_send_time_rejects_impossible_or_ambiguous(text):
    assert parse_send_time(text) is None


@pytest.mark.parametrize("text", HOSTILE)
def test_parse_send_time_returns_none_on_hostile_input(text):
    assert parse_send_time(text) is None


def test_parse_send_time_long_input_is_rejected_quickly():
    started = wallclock.perf_counter()
    for _ in range(200):
        assert parse_send_time("1" * 5000 + ":30") is None
        assert parse_send_time(" " * 4000 + "7:30" + "a" * 4000) is None
    assert wallclock.perf_counter() - started < 1.0


def test_every_minute_of_the_day_round_trips_through_parse_send_time():
    for minutes in range(24 * 60):
        expected = time(minutes // 60, minutes % 60)
        assert parse_send_time(expected.strftime("%H:%M")) == expected
        assert parse_send_time(expected.strftime("%H%M")) == expected
        assert parse_send_time(expected.strftime("%I:%M%p")) == expected


# --- time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("  Europe/Berlin  ", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
        ("kolkata", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("Etc/UTC", "UTC"),
        ("UTC+0", "UTC"),
        ("utc-00:00", "UTC"),
    ],
)
def test_parse_zone_named(text, name):
    zone = parse_zone(text)
    assert zone is not None
    assert zone.name == name
    # The tzinfo behaves like the real zone, not just a matching label.
    expected = JUNE.astimezone(ZoneInfo(name)).utcoffset()
    assert JUNE.astimezone(zone.tz).utcoffset() == expected


@pytest.mark.parametrize(
    ("text", "name", "minutes"),
    [
        ("utc+2", "UTC+2", 120),
        ("UTC+2", "UTC+2", 120),
        ("UTC +2", "UTC+2", 120),
        ("+2", "UTC+2", 120),
        ("UTC-03:30", "UTC-03:30", -210),
        ("utc-3:30", "UTC-03:30", -210),
        ("UTC+5:30", "UTC+05:30", 330),
        ("UTC+0530", "UTC+05:30", 330),
        ("+05:45", "UTC+05:45", 345),
        ("UTC−3", "UTC-3", -180),  # Unicode minus sign, as phones type it
        ("GMT+14", "UTC+14", 840),
        ("UTC+14:00", "UTC+14", 840),
        ("GMT-12", "UTC-12", -720),
    ],
)
def test_parse_zone_fixed_offsets(text, name, minutes):
    zone = parse_zone(text)
    assert zone is not None
    assert zone.name == name
    assert JUNE.astimezone(zone.tz).utcoffset() == timedelta(minutes=minutes)
    # The same offset all year: a fixed offset never observes DST.
    january = datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert january.astimezone(zone.tz).utcoffset() == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    [
        "UTC+15",
        "GMT-15",
        "UTC+14:30",
        "UTC+14:01",
        "UTC+5:60",
        "UTC+5:99",
        "Mars/Base",
        "Europe/Atlantis",
        "Europe/",
        "/Berlin",
        "Europe/Berlin/Mitte",
        "posix/Europe/Berlin",
        "right/UTC",
        "7:30",
        "Europe/Berln",
    ],
)
def test_parse_zone_rejects_unknown_or_out_of_range(text):
    assert parse_zone(text) is None


@pytest.mark.parametrize("text", HOSTILE)
def test_parse_zone_rejects_hostile_input(text):
    assert parse_zone(text) is None


@pytest.mark.parametrize("text", ["12", "19", "x5", "A5", "0530", "UTC=3", "UTC/3"])
def test_parse_zone_needs_a_real_sign_for_an_offset(text):
    assert parse_zone(text) is None


def test_parse_zone_rejects_hostile_input_quickly():
    started = wallclock.perf_counter()
    for i in range(300):
        # vary the text so the lru_cache cannot do the work
        assert parse_zone(f"{i}" + "/" * 5000) is None
        assert parse_zone("UTC+" + "1" * (4000 + i)) is None
        assert parse_zone("Europe/" + "a" * (3000 + i)) is None
    assert wallclock.perf_counter() - started < 1.0


def test_parse_zone_returns_zone_dataclass():
    zone = parse_zone("Europe/Berlin")
    assert isinstance(zone, Zone)
    with pytest.raises(AttributeError):
        zone.name = "Europe/Paris"  # frozen


def test_suggest_zones_offers_the_intended_zone_for_a_typo():
    assert "Europe/Berlin" in suggest_zones("Europe/Berln")
    assert "America/New_York" in suggest_zones("America/New_Yrok")
    assert "Asia/Kolkata" in suggest_zones("Asia/Kolkatta")


def test_suggest_zones_for_empty_input_offers_valid_defaults():
    names = suggest_zones("")
    assert names
    assert all(parse_zone(n) is not None for n in names)


@pytest.mark.parametrize(
    "text", [t for t in HOSTILE if t.strip()] + ["Europe/Berln", "berln", "Nwe York", "Etc/UTC"]
)
@pytest.mark.parametrize("limit", [1, 3, 5])
def test_suggest_zones_never_raises_and_returns_at_most_limit_valid_names(text, limit):
    names = suggest_zones(text, limit=limit)
    assert isinstance(names, list)
    assert len(names) <= limit
    for name in names:
        assert parse_zone(name) is not None, name


def test_suggest_zones_respects_limit_for_empty_input():
    assert len(suggest_zones("   ", limit=2)) <= 2


def test_suggest_zones_is_quick_on_hostile_input():
    started = wallclock.perf_counter()
    for i in range(20):
        suggest_zones("💥" * (5000 + i))
    assert wallclock.perf_counter() - started < 2.0


def test_every_stored_name_resolves_back_to_the_same_zone():
    names = list(_zone_names().values())
    assert len(names) > 300
    instants = [datetime(2026, 1, 15, tzinfo=UTC), JUNE]
    for name in names:
        zone = parse_zone(name)
        assert zone is not None, name
        # 'Etc/UTC' is stored as plain 'UTC'
        assert zone.name in (name, "UTC"), name
        tz = resolve_zone(zone.name)
        for instant in instants:
            assert instant.astimezone(tz).utcoffset() == \
                instant.astimezone(ZoneInfo(name)).utcoffset(), name


@pytest.mark.parametrize(
    "text",
    ["UTC", "utc+2", "UTC-03:30", "UTC+5:30", "GMT+14", "GMT-12", "+05:45", "new york", "berlin"],
)
def test_resolve_zone_round_trips_names_from_parse_zone(text):
    zone = parse_zone(text)
    assert zone is not None
    tz = resolve_zone(zone.name)
    assert parse_zone(zone.name) == zone
    for instant in (JUNE, datetime(2026, 1, 15, tzinfo=UTC)):
        assert instant.astimezone(tz).utcoffset() == instant.astimezone(zone.tz).utcoffset()


def test_every_fixed_offset_round_trips():
    for quarter_hours in range(-48, 57):  # UTC-12 … UTC+14
        total = quarter_hours * 15
        sign = "+" if total >= 0 else "-"
        hours, minutes = divmod(abs(total), 60)
        zone = parse_zone(f"UTC{sign}{hours}:{minutes:02d}")
        assert zone is not None, total
        tz = resolve_zone(zone.name)
        assert JUNE.astimezone(tz).utcoffset() == timedelta(minutes=total)
        assert isinstance(tz, timezone | ZoneInfo)


# --- delivery reliability (issue 10): clocks use UTC-12 … UTC+14, nothing further west
@pytest.mark.parametrize("text", ["UTC-14", "UTC-13", "UTC-12:15", "GMT-14:00", "UTC+14:15"])
def test_offsets_beyond_the_clocks_in_use_are_refused(text):
    assert parse_zone(text) is None


@pytest.mark.parametrize(("text", "name"), [("UTC-12", "UTC-12"), ("UTC+14", "UTC+14")])
def test_the_outermost_offsets_in_use_are_accepted(text, name):
    assert parse_zone(text).name == name


@pytest.mark.parametrize("name", ["Mars/Base", "", "UTC+15", "'; DROP TABLE subscribers;--"])
def test_resolve_zone_raises_value_error_for_unknown_names(name):
    with pytest.raises(ValueError, match="unknown time zone"):
        resolve_zone(name)


# --- day counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 7),
        ("   ", 7),
        ("1", 1),
        ("7", 7),
        (" 30 ", 30),
        ("030", 30),
        ("0", None),
        ("31", None),
        ("999", None),
        ("1000", None),
        ("-1", None),
        ("+5", None),
        ("5.5", None),
        ("five", None),
        ("1e1", None),
        ("9" * 5000, None),
        ("'; DROP TABLE subscribers;--", None),
        ("<b>5</b>", None),
    ],
)
def test_parse_days_default_and_limits(text, expected):
    assert parse_days(text, default=7, low=1, high=30) == expected


def test_parse_days_bounds_are_inclusive():
    assert parse_days("0", default=3, low=0, high=0) == 0
    assert parse_days("1", default=3, low=0, high=0) is None
    assert parse_days("365", default=3, low=1, high=365) == 365
    assert parse_days("366", default=3, low=1, high=365) is None
