"""The age rules, as plain functions of the settings, the login and the birth date.

Age is counted as the civil code counts periods (ГК РФ ст. 191–192): a person
reaches ``N`` years and ``M`` months on the day whose number equals the birth
day, ``12·N + M`` months after the birth month; if that month is shorter, on
its last day. So a student whose 14th birthday is today is 14 today; 14.5 means
14 years and 6 months = 174 months after birth (born 31 Aug → 28/29 Feb).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from core.api import Refusal, _

CHILD_LEVEL = "child"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` months on; a missing day number becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def threshold_months(min_age: float) -> int:
    return round(min_age * 12)


def reaches_age_on(birth_date: dt.date, min_age: float) -> dt.date:
    """The first day on which a person born on ``birth_date`` is ``min_age`` years old."""
    return add_months(birth_date, threshold_months(min_age))


def is_below(birth_date: dt.date, min_age: float, today: dt.date) -> bool:
    return today < reaches_age_on(birth_date, min_age)


def _russian_plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def age_phrase(min_age: float) -> str:
    """``14 лет``, ``14 лет 6 месяцев`` — the threshold in words for the messages."""
    years, months = divmod(threshold_months(min_age), 12)
    text = _russian_plural(years, _("%(n)s года", n=years), _("%(n)s лет", n=years), _("%(n)s лет", n=years))
    if months:
        text += " " + _russian_plural(months, _("%(n)s месяца", n=months), _("%(n)s месяцев", n=months),
                                      _("%(n)s месяцев", n=months))
    return text


def _younger_ways(section: dict[str, Any]) -> list[str]:
    ways = []
    if section["school_login_for_younger"] and not section["gosuslugi_only"]:
        ways.append(_("по логину и паролю, которые выдаёт школа (форма «Вход по логину и паролю»)"))
    if section["gosuslugi_only"] or section["child_account_for_younger"]:
        ways.append(_("через Госуслуги с детской учётной записью, которую родитель создаёт в своём личном "
                      "кабинете на Госуслугах"))
    return ways


def _older_ways(section: dict[str, Any]) -> list[str]:
    ways = [_("через Госуслуги со своей учётной записью")]
    if section["school_login_for_older"] and not section["gosuslugi_only"]:
        ways.append(_("по логину и паролю, которые выдала школа"))
    return ways


def _instead(ways: list[str]) -> str:
    if not ways:
        return _("Самостоятельный вход для вас в этом регионе не предусмотрен: сведения об успеваемости "
                 "получают родители через Госуслуги.")
    return _("Войдите %(ways)s.", ways=_(" или ").join(ways))


def _whom() -> str:
    return _("Вопросы — к классному руководителю или администратору школы.")


def _refusal(why: str, ways: list[str], code: str) -> Refusal:
    return Refusal(" ".join((why, _instead(ways), _whom())), code)


def decide(section: dict[str, Any], kind: str, level: str | None, birth_date: dt.date,
           today: dt.date) -> Refusal | None:
    """May a student born on ``birth_date`` log in today this way (``kind``: ``esia`` or ``school``)?

    ``None`` means no objection; a ``Refusal`` says why not, which way to use
    instead, and whom to ask.
    """
    age = age_phrase(section["min_age_esia"])
    younger = is_below(birth_date, section["min_age_esia"], today)
    ways = _younger_ways(section) if younger else _older_ways(section)
    if kind == "school":
        if section["gosuslugi_only"]:
            why = _("В вашем регионе учащиеся входят в электронную школу только через Госуслуги; школьные "
                    "логины и пароли не действуют.")
            return _refusal(why, ways, "age_gosuslugi_only")
        if younger and not section["school_login_for_younger"]:
            why = _("В вашем регионе учащиеся младше %(age)s не входят по школьному логину и паролю.", age=age)
            return _refusal(why, ways, "age_no_school_login")
        if not younger and not section["school_login_for_older"]:
            why = _("Учащиеся, которым исполнилось %(age)s, входят через Госуслуги, а не по школьному логину.",
                    age=age)
            return _refusal(why, ways, "age_no_school_login")
        return None
    if not younger:
        return None
    if level == CHILD_LEVEL and (section["gosuslugi_only"] or section["child_account_for_younger"]):
        return None
    if section["gosuslugi_only"] or section["child_account_for_younger"]:
        why = _("Учащиеся младше %(age)s входят через Госуслуги только с детской учётной записью, а вы вошли "
                "с обычной. Если вам уже исполнилось %(age)s, попросите администратора школы проверить дату "
                "рождения в реестре.", age=age)
        return _refusal(why, ways, "age_child_account_required")
    why = _("Учащиеся младше %(age)s не входят в электронную школу через Госуслуги.", age=age)
    return _refusal(why, ways, "age_below_esia")
