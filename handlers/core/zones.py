"""Time zones from what people type: IANA names, abbreviations and everyday names, countries, cities and
UTC offsets, in English and Chinese, case-insensitive.

`lookup(text, locale, now)` returns a `ZoneMatch`: the IANA zone to store (never an offset), with the
other zones the words could also mean; or, when they name several places about equally, no zone and the
zones to choose from. In that order:

1. an IANA name: `Asia/Kolkata`, `asia/kolkata`, `america/new york`, `UTC`;
2. the tables below: abbreviations (`IST`, `PST`, `JST`) and names (`北京时间`, `Delhi`, `东八区`);
   Windows zone names from CLDR (`India Standard Time`);
3. a country, by its English or Chinese name from CLDR (`India`, `Japan`, `印度`, `美国`): its zones
   from the tz database's zone.tab, one per distinct behaviour from now on (`Germany` is one, the US
   eight);
4. a city: the last part of an IANA name (`Kolkata`, `New York`), or its Chinese name from CLDR (`上海`);
5. 2-4 again without a trailing "time", "standard time", "时间", "标准时间" (`India time`, `日本时间`);
6. a UTC offset (`UTC+5:30`, `GMT+8`, `+0530`, `东九区`): the zones that keep that offset now or at some
   time of the year, one per behaviour (tz database's zonenow.tab).

Where several zones fit, the learner's country (from their locale: `en_IN` is India, `zh` China) picks the
one in it, if exactly one is; else the tables' first zone is taken for an abbreviation that is nearly
always meant one way (`IST` is India, mentioning Ireland and Israel), and the learner chooses for one
that is not (`CST`: US Central, China or Cuba; `CET`: which city).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location, get_timezone_name

MAX_CHOICES = 12  # Russia has eleven behaviours
MAX_INPUT = 64


@dataclass(frozen=True)
class ZoneMatch:
    zone: str | None = None  # the zone to store; None: unknown, or choose one of `others`
    others: tuple[str, ...] = ()  # zone set: what else the words can mean; zone None: the choices

    @property
    def ambiguous(self) -> bool:
        return self.zone is None and bool(self.others)


# Abbreviations and everyday names (keys in lower case). The first zone is taken, unless the learner's
# country picks another one of the list; the rest are offered as "did you mean".
NAMES: dict[str, tuple[str, ...]] = {
    # India, China and the rest of Asia
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),  # India; also Irish and Israel time
    "indian time": ("Asia/Kolkata",),
    "delhi": ("Asia/Kolkata",),
    "new delhi": ("Asia/Kolkata",),
    "mumbai": ("Asia/Kolkata",),
    "bombay": ("Asia/Kolkata",),
    "bangalore": ("Asia/Kolkata",),
    "bengaluru": ("Asia/Kolkata",),
    "chennai": ("Asia/Kolkata",),
    "hyderabad": ("Asia/Kolkata", "Asia/Karachi"),
    "pune": ("Asia/Kolkata",),
    "德里": ("Asia/Kolkata",),
    "新德里": ("Asia/Kolkata",),
    "孟买": ("Asia/Kolkata",),
    "班加罗尔": ("Asia/Kolkata",),
    "北京时间": ("Asia/Shanghai",),
    "北京": ("Asia/Shanghai",),
    "beijing": ("Asia/Shanghai",),
    "深圳": ("Asia/Shanghai",),
    "广州": ("Asia/Shanghai",),
    "杭州": ("Asia/Shanghai",),
    "东八区": ("Asia/Shanghai",),  # said in China for Beijing time
    "prc": ("Asia/Shanghai",),
    "中国大陆": ("Asia/Shanghai",),
    "hkt": ("Asia/Hong_Kong",),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul", "Asia/Pyongyang"),
    "sgt": ("Asia/Singapore",),
    "pht": ("Asia/Manila",),
    "phst": ("Asia/Manila",),
    "myt": ("Asia/Kuala_Lumpur",),
    "wib": ("Asia/Jakarta",),
    "wita": ("Asia/Makassar",),
    "wit": ("Asia/Jayapura",),
    "pkt": ("Asia/Karachi",),
    "npt": ("Asia/Kathmandu",),
    "irst": ("Asia/Tehran",),
    "gst": ("Asia/Dubai",),  # Gulf Standard Time
    "msk": ("Europe/Moscow",),
    "trt": ("Europe/Istanbul",),
    # North America: the names mean the US zones, which observe DST; the zone is stored, not the offset
    "est": ("America/New_York", "America/Toronto"),
    "edt": ("America/New_York", "America/Toronto"),
    "et": ("America/New_York",),
    "eastern time": ("America/New_York",),
    "us eastern": ("America/New_York",),
    "cdt": ("America/Chicago", "America/Havana"),
    "ct": ("America/Chicago",),
    "central time": ("America/Chicago",),
    "us central": ("America/Chicago",),
    "mst": ("America/Denver", "America/Phoenix", "America/Edmonton"),  # Arizona keeps MST all year
    "mdt": ("America/Denver", "America/Edmonton"),
    "mt": ("America/Denver",),
    "mountain time": ("America/Denver",),
    "pst": ("America/Los_Angeles", "America/Vancouver", "Asia/Manila"),  # also said for the Philippines
    "pdt": ("America/Los_Angeles", "America/Vancouver"),
    "pt": ("America/Los_Angeles",),
    "pacific time": ("America/Los_Angeles",),
    "us pacific": ("America/Los_Angeles",),
    "akst": ("America/Anchorage",),
    "akdt": ("America/Anchorage",),
    "hst": ("Pacific/Honolulu",),
    "adt": ("America/Halifax",),
    "nst": ("America/St_Johns",),
    "ndt": ("America/St_Johns",),
    "美东时间": ("America/New_York",),
    "美国东部时间": ("America/New_York",),
    "美中时间": ("America/Chicago",),
    "美国中部时间": ("America/Chicago",),
    "美西时间": ("America/Los_Angeles",),
    "美国西部时间": ("America/Los_Angeles",),
    "太平洋时间": ("America/Los_Angeles",),
    # elsewhere
    "msk time": ("Europe/Moscow",),
    "aedt": ("Australia/Sydney", "Australia/Melbourne", "Australia/Hobart"),
    "acdt": ("Australia/Adelaide",),
    "awst": ("Australia/Perth",),
    "sast": ("Africa/Johannesburg",),
    "nzst": ("Pacific/Auckland",),
    "nzdt": ("Pacific/Auckland",),
    "brt": ("America/Sao_Paulo",),
    "art": ("America/Argentina/Buenos_Aires",),
    "coordinated universal time": ("UTC",),
    "zulu": ("UTC",),
    "etc/utc": ("UTC",),
    "协调世界时": ("UTC",),
    "世界标准时间": ("UTC",),
    "世界协调时": ("UTC",),
}

# Names that mean several places about equally: the learner chooses (unless their country picks one).
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "cst": ("America/Chicago", "Asia/Shanghai", "America/Havana"),  # US Central, China, Cuba
    "ast": ("America/Halifax", "America/Puerto_Rico", "Asia/Riyadh"),  # Atlantic, Arabia
    "bst": ("Europe/London", "Asia/Dhaka"),  # British Summer Time, Bangladesh
    "gmt": ("Europe/London", "UTC"),  # London's winter time, or UTC itself
    "格林尼治时间": ("Europe/London", "UTC"),
    "格林威治时间": ("Europe/London", "UTC"),
    # one abbreviation for many countries: store the learner's own city, whose rules may change apart
    "cet": (
        "Europe/Berlin",
        "Europe/Paris",
        "Europe/Madrid",
        "Europe/Rome",
        "Europe/Amsterdam",
        "Europe/Warsaw",
        "Europe/Stockholm",
        "Europe/Vienna",
    ),
    "eet": (
        "Europe/Athens",
        "Europe/Bucharest",
        "Europe/Helsinki",
        "Europe/Kyiv",
        "Europe/Sofia",
        "Africa/Cairo",
    ),
    "wet": ("Europe/Lisbon", "Atlantic/Canary"),
    "aest": ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Hobart"),
    "acst": ("Australia/Adelaide", "Australia/Darwin"),
    "ict": ("Asia/Bangkok", "Asia/Ho_Chi_Minh"),
    "eat": ("Africa/Nairobi", "Africa/Addis_Ababa", "Africa/Dar_es_Salaam", "Africa/Kampala"),
    "wat": ("Africa/Lagos", "Africa/Kinshasa", "Africa/Luanda", "Africa/Douala"),
    "cat": ("Africa/Maputo", "Africa/Harare", "Africa/Lusaka", "Africa/Johannesburg"),
}
for _name, _same in (
    ("cest", "cet"),
    ("met", "cet"),
    ("mez", "cet"),
    ("mesz", "cet"),
    ("eest", "eet"),
    ("west", "wet"),
    ("中欧时间", "cet"),
    ("东欧时间", "eet"),
):
    AMBIGUOUS[_name] = AMBIGUOUS[_same]

COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "united states of america": "US",
    "美國": "US",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "uae": "AE",
    "korea": "KR",
    "turkey": "TR",
    "czech republic": "CZ",
    "holland": "NL",
    "香港": "HK",
    "澳门": "MO",
    "台湾": "TW",
}
# Countries whose one official time the tz database splits: China keeps Beijing time everywhere (Xinjiang's
# unofficial UTC+6 is Asia/Urumqi, which can still be chosen by name).
COUNTRY_ZONE = {"CN": "Asia/Shanghai"}

_SUFFIX = re.compile(r"(?:\s+(?:standard|daylight|summer)?\s*time(?:\s*zone)?|\s+tz|标准时间|时间|时区)$")
_OFFSET = re.compile(
    r"^(?:utc|gmt|ut)?\s*(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})(?:\s*[:.h]?\s*(?P<m>\d{2}))?$"
)
_ZH_OFFSET = re.compile(r"^(?P<side>[东西])(?P<n>十[一二]?|[一二三四五六七八九十]|\d{1,2})区$")
_ZH_NUM = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)} | {"十一": 11, "十二": 12}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    return " ".join(text.split()).strip(" .")


# The tz database's own tables


def _tz_table(name: str) -> list[list[str]]:
    try:
        text = (resources.files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - tzdata is a dependency
        return []
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Old names to the zones they now point to: Asia/Calcutta -> Asia/Kolkata."""
    try:
        text = (resources.files("tzdata") / "zoneinfo" / "tzdata.zi").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover
        return {}
    return {p[2]: p[1] for p in (line.split() for line in text.splitlines()) if len(p) == 3 and p[0] == "L"}


def canonical(zone: str) -> str:
    return _links().get(zone, zone)


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, tuple[str, ...]]:
    """ISO country code -> its zones, most populous region first (zone.tab's order, and its names: a
    Canadian town keeps America/Atikokan, though that is now a link to America/Panama)."""
    out: dict[str, list[str]] = {}
    for row in _tz_table("zone.tab"):
        if len(row) >= 3 and _loadable(row[2]):
            out.setdefault(row[0], []).append(row[2])
    return {code: tuple(zones) for code, zones in out.items()}


def _in_country(zone: str, country: str | None) -> bool:
    """By name: Europe/Stockholm is a link to Europe/Berlin, but it is Sweden's zone, not Germany's."""
    return zone in _country_zones().get(country or "", ())


@lru_cache(maxsize=1)
def _now_zones() -> tuple[str, ...]:
    """One zone per distinct behaviour from now on (zonenow.tab), by UTC offset."""
    return tuple(row[2] for row in _tz_table("zonenow.tab") if len(row) >= 3 and _loadable(row[2]))


@lru_cache(maxsize=1024)
def _loadable(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=4096)
def _behaviour(zone: str, month: date) -> tuple[int, ...]:
    """UTC offsets in minutes on the 1st and 15th of the next twelve months from `month`."""
    tz, out = ZoneInfo(zone), []
    for i in range(12):
        y, m = divmod(month.month - 1 + i, 12)
        for day in (1, 15):
            at = datetime.combine(date(month.year + y, m + 1, day), time(12), tzinfo=UTC)
            out.append(int(at.astimezone(tz).utcoffset().total_seconds() // 60))
    return tuple(out)


def _distinct(zones: tuple[str, ...], month: date) -> tuple[str, ...]:
    """One zone per behaviour, in order; zonenow.tab's zone stands for its behaviour where it is listed."""
    reps = {_behaviour(z, month): z for z in _now_zones()}
    out: dict[tuple[int, ...], str] = {}
    for z in zones:
        b = _behaviour(z, month)
        if b not in out:
            out[b] = reps[b] if reps.get(b) in zones else z
    return tuple(out.values())


# Names from CLDR (Babel)


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Country names in English and Chinese (simplified and traditional) -> ISO code."""
    out: dict[str, str] = {}
    for lang in ("en", "zh", "zh_Hant"):
        for code, name in Locale.parse(lang).territories.items():
            if code.isalpha() and code in _country_zones():
                out.setdefault(_key(name), code)
    return out | {_key(name): code for name, code in COUNTRY_ALIASES.items()}


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, ...]]:
    """City names -> zones: the last part of every IANA name, and CLDR's Chinese city names."""
    out: dict[str, list[str]] = {}
    chinese = [Locale.parse(lang) for lang in ("zh", "zh_Hant")]
    for name in sorted(_iana_names()):
        zone = canonical(name)
        if not _loadable(zone):
            continue
        cities = {_key(name.rsplit("/", 1)[1])}
        cities |= {_key(get_timezone_location(name, loc, return_city=True)) for loc in chinese}
        for city in cities:
            if zone not in out.setdefault(city, []):
                out[city].append(zone)
    return {city: tuple(zones) for city, zones in out.items()}


@lru_cache(maxsize=1)
def _windows() -> dict[str, str]:
    """Windows zone names ('India Standard Time') -> zone, from CLDR; offsets (Etc/GMT-5) left out."""
    return {
        _key(name): canonical(zone)
        for name, zone in get_global("windows_zone_mapping").items()
        if not zone.startswith("Etc/") and _loadable(canonical(zone))
    }


# Languages without a country say little about where someone is when many countries speak them.
_WORLD_LANGUAGES = frozenset({"en", "es", "pt", "fr", "ar", "ru"})


@lru_cache(maxsize=256)
def locale_country(locale: str | None) -> str | None:
    """'en_IN' -> 'IN', 'zh-CN' -> 'CN', 'zh' -> 'CN', 'de' -> 'DE' (CLDR's likely country for a bare
    language), 'en' -> None (English is spoken everywhere)."""
    if not locale:
        return None
    try:
        loc = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if loc.territory:
        return loc.territory
    if loc.language in _WORLD_LANGUAGES:
        return None
    likely = get_global("likely_subtags").get(str(loc)) or get_global("likely_subtags").get(loc.language)
    return likely.rsplit("_", 1)[-1] if likely and likely.rsplit("_", 1)[-1].isalpha() else None


def locale_zone(locale: str | None) -> str | None:
    """The zone of the learner's country, where it has one: 'en_IN' -> Asia/Kolkata, 'zh' -> Asia/Shanghai."""
    country = locale_country(locale)
    if country is None:
        return None
    if country in COUNTRY_ZONE:
        return COUNTRY_ZONE[country]
    zones = _distinct(_country_zones().get(country, ()), _month(None))
    return zones[0] if len(zones) == 1 else None


# Looking up


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    """Region/City names: not "localtime" (the server's zone), legacy names like "EST", or offsets
    (Etc/GMT-5)."""
    return frozenset(
        z for z in available_timezones() if "/" in z and not z.startswith(("posix/", "right/", "Etc/"))
    )


@lru_cache(maxsize=1)
def _exact() -> dict[str, str]:
    return {z.lower(): z for z in _iana_names() | {"UTC"}}


def find_zone(name: str) -> str | None:
    """An IANA name, case-insensitive, spaces for underscores: 'america/new york' -> America/New_York."""
    exact = _exact().get(name.strip().replace(" ", "_").lower())
    return exact if exact is not None and _loadable(exact) else None


def lookup(text: str, locale: str | None = None, now: datetime | None = None) -> ZoneMatch:
    """What `text` names as a time zone (see the module docstring)."""
    if not text.strip() or len(text) > MAX_INPUT:
        return ZoneMatch()
    if exact := find_zone(unicodedata.normalize("NFKC", text)):
        return ZoneMatch(exact)
    key, country, month = _key(text), locale_country(locale), _month(now)
    for name in dict.fromkeys((key, _SUFFIX.sub("", key).strip())):
        if name and (found := _by_name(name, country, month)) is not None:
            return found
    offset = _offset(key)
    return _by_offset(offset, country, now, month) if offset is not None else ZoneMatch()


def _month(now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date().replace(day=1)


def _by_name(name: str, country: str | None, month: date) -> ZoneMatch | None:
    if name in NAMES:
        return _pick(NAMES[name], country, default=True)
    if name in AMBIGUOUS:
        return _pick(AMBIGUOUS[name], country, default=False)
    if name in _windows():
        return ZoneMatch(_windows()[name])
    if (code := _countries().get(name)) is not None:
        if code in COUNTRY_ZONE:
            return ZoneMatch(COUNTRY_ZONE[code])
        zones = _distinct(_country_zones()[code], month)
        best = min(zones, key=_rank)  # the one people mean most first: São Paulo, then zone.tab's order
        return _pick((best, *(z for z in zones if z != best)), None, default=False)
    if (zones := _cities().get(name)) is not None:
        return _pick(_distinct(zones, month), country, default=False)
    return None


def _pick(zones: tuple[str, ...], country: str | None, default: bool) -> ZoneMatch:
    """One zone, or the choice: the only one in the learner's country, else the first if `default`."""
    if len(zones) == 1:
        return ZoneMatch(zones[0])
    mine = [z for z in zones if _in_country(z, country)]
    if len(mine) == 1:
        chosen = mine[0]
    elif default:
        chosen = zones[0]
    else:
        return ZoneMatch(None, zones[:MAX_CHOICES])
    return ZoneMatch(chosen, tuple(z for z in zones if z != chosen)[:MAX_CHOICES])


def _offset(key: str) -> int | None:
    """'utc+5:30' -> 330, 'gmt-8' -> -480, '+0530' -> 330, '东九区' -> 540; None if it is not an offset."""
    if m := _ZH_OFFSET.match(key):
        n = int(m["n"]) if m["n"].isdecimal() else _ZH_NUM[m["n"]]
        return n * 60 * (1 if m["side"] == "东" else -1) if 1 <= n <= 12 else None
    m = _OFFSET.match(key)
    if m is None:
        return None
    hours, minutes = int(m["h"]), int(m["m"] or 0)
    if hours > 14 or minutes not in (0, 15, 30, 45):
        return None
    return (hours * 60 + minutes) * (-1 if m["sign"] in "-\u2212" else 1)


@lru_cache(maxsize=1)
def _named() -> dict[str, int]:
    """Zones the tables name, in their order: the ones people mean most, listed first among equals."""
    zones = [z for zs in (*NAMES.values(), *AMBIGUOUS.values()) for z in zs]
    return {z: i for i, z in reversed(list(enumerate(zones)))}


def _rank(zone: str) -> int:
    return _named().get(zone, len(_named()) + 1_000)


def _by_offset(offset: int, country: str | None, now: datetime | None, month: date) -> ZoneMatch:
    """The zones with that offset now first, then those with it at another time of the year."""
    if offset == 0:
        return ZoneMatch("UTC")
    at = now or datetime.now(UTC)
    fits = [z for z in _now_zones() if offset in _behaviour(z, month)]
    fits.sort(key=lambda z: (at.astimezone(ZoneInfo(z)).utcoffset() != timedelta(minutes=offset), _rank(z)))
    if not fits:
        return ZoneMatch()
    return _pick(tuple(fits), country, default=False)


# Showing a zone


def zone_label(zone: str, lang: str) -> str:
    """'India Time', 'Central Time', '北美中部时间': CLDR's everyday name for the zone, in `lang`."""
    if zone == "UTC":
        return "UTC"
    try:
        return get_timezone_name(zone, "long", locale=Locale.parse("zh" if lang == "zh" else "en"))
    except (LookupError, ValueError):  # pragma: no cover - every tz database zone has a CLDR name
        return zone
