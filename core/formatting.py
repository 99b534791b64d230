"""Numbers and dates as the region's language writes them, through Babel: «3,82», «95,9 %», «2 декабря».

The one place where the platform turns a number, a share, a day or a stored moment into text for people —
on pages (the template filters ``ru_number``, ``ru_average``, ``ru_percent``, ``ru_day``, ``ru_moment``,
``local_time``), in messages and in the CSV files meant for them — and where a decimal typed by a person
(«1,5» or «1.5») is read back (``parse_decimal``). Plugins use it through ``core.api``.

The region speaks one language (``language`` in its config): Babel's ``Locale`` for it is parsed once and
kept (``locale_of``), as is the region's time zone, so a page of a thousand figures does not parse it a
thousand times.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import Flask, current_app

NONE = "—"


@lru_cache(maxsize=16)
def locale_of(language: str) -> Locale:
    """Babel's locale of a language code (``"ru"``), parsed once per process."""
    return Locale.parse(language)


@lru_cache(maxsize=16)
def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def region_language() -> str:
    return current_app.extensions["eschool"].core_settings["language"]


def region_locale() -> Locale:
    return locale_of(region_language())


# A page shows the same few figures and days many times (averages such as «4,25», weights, the school
# days of a term): each is formatted once per language and pattern, then kept. Babel's formatting costs
# about a hundred Python calls; a lookup here, one.


@lru_cache(maxsize=8192)
def _decimal(value: Any, pattern: str, language: str) -> str:
    return numbers.format_decimal(value, format=pattern, locale=locale_of(language))


@lru_cache(maxsize=8192)
def _day(value: dt.date, pattern: str, language: str) -> str:
    return dates.format_date(value, pattern, locale=locale_of(language))


def region_zone() -> ZoneInfo:
    return zone_of(current_app.extensions["eschool"].core_settings["timezone"])


def format_number(value: Any, digits: int = 2, grouping: bool = True, *, language: str | None = None) -> str:
    """A number with up to ``digits`` places, as the region writes it («3,82», «1 234,5»); «—» for none.

    ``grouping=False`` leaves out the thousands' separator (a CSV cell that Russian Excel reads as a number).
    ``language`` (here and below): the region's, when the caller already knows it — a chart of many points,
    or a template filter, which is bound to its app's language once.
    """
    if value is None or value == "":
        return NONE
    pattern = ("#,##0" if grouping else "0") + ("." + "#" * digits if digits else "")
    return _decimal(value, pattern, language or region_language())


def format_average(value: Any, *, language: str | None = None) -> str:
    """A weighted average with its two places («3,80»); «—» for none."""
    if value is None or value == "":
        return NONE
    return _decimal(value, "#,##0.00", language or region_language())


def format_percent(value: Any, digits: int = 1) -> str:
    """A percentage given as a number of hundredths (95.9 → «95,9 %», 100 → «100 %»); «—» for none."""
    if value is None or value == "":
        return NONE
    pattern = "#,##0" + ("." + "#" * digits if digits else "") + "\u00a0%"
    return numbers.format_percent(Decimal(str(value)) / 100, format=pattern, locale=region_locale())


def format_day(value: dt.date | None, pattern: str = "d MMMM", *, language: str | None = None) -> str:
    """A date as the region writes it («2 декабря»; ``"EEEE, d MMMM"``: «среда, 2 декабря»); "" for none."""
    if not value:
        return ""
    return _day(value, pattern, language or region_language())


def format_moment(value: dt.datetime | None, pattern: str = "d MMMM, HH:mm") -> str:
    """A stored (naive UTC) moment in the region's time zone («25 ноября, 10:00»); "" for none."""
    if not value:
        return ""
    moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dates.format_datetime(moment, pattern, tzinfo=region_zone(), locale=region_locale())


def local_time(moment: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A stored naive-UTC moment in the region's time zone as digits («03.12.2026 10:00», template filter)."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.UTC).astimezone(region_zone()).strftime(fmt)


def parse_decimal(text: Any) -> Decimal:
    """A decimal typed by a person: «1,5», «1.5», « 4,50 » → ``Decimal``; ``ValueError`` if it is not one.

    A space (also a no-break one) between thousands is allowed; a point is accepted as well as the comma,
    because phones and pasted figures often bring one.
    """
    cleaned = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not cleaned or cleaned.count(".") > 1:
        raise ValueError(text)
    try:
        found = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not found.is_finite():
        raise ValueError(text)
    return found


FILTERS = {
    "ru_number": format_number,
    "ru_average": format_average,
    "ru_percent": format_percent,
    "ru_day": format_day,
    "ru_moment": format_moment,
    "local_time": local_time,
}


BOUND_TO_LANGUAGE = {"ru_number", "ru_average", "ru_day"}  # the filters a page calls per cell


def init_app(app: Flask) -> None:
    """The filters; the per-cell ones know the app's language (a region speaks one) instead of asking for it."""
    language = app.extensions["eschool"].core_settings["language"]
    for name, function in FILTERS.items():
        app.add_template_filter(partial(function, language=language) if name in BOUND_TO_LANGUAGE else function, name)
