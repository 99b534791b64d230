"""The age_policy service: what other plugins may ask about the region's age rules (``service("age_policy")``).

Other plugins (the infographic tells families who logs in how) ask here instead of reading the
``[age_policy]`` settings, so the keys can change without breaking them.
"""

from __future__ import annotations

import datetime as dt

from core.api import AgePolicyService, region_today, settings

YOUNGER_WAYS = ("school_login", "child_account", "school_login_or_child_account", "parents_only")


class AgeRulesService:
    """Implements ``core.api.AgePolicyService``: who may use which login by age, in the current region."""

    def min_age_esia(self) -> float:
        """The age (in years, a whole number of months: 14, 14.5) from which a student may use Gosuslugi."""
        return float(settings("age_policy")["min_age_esia"])

    def younger_students(self) -> str:
        """How students below ``min_age_esia()`` get in, one of ``YOUNGER_WAYS``.

        ``"school_login"`` (a login and password from the school), ``"child_account"`` (Gosuslugi with a child
        account the parent creates), ``"school_login_or_child_account"`` (either), or ``"parents_only"``
        (they do not log in themselves; their parents see their progress).
        """
        conf = settings("age_policy")
        school_login, child_account = conf["school_login_for_younger"], conf["child_account_for_younger"]
        if conf["gosuslugi_only"] or (child_account and not school_login):
            return "child_account"
        if school_login:
            return "school_login_or_child_account" if child_account else "school_login"
        return "parents_only"

    def school_login(self, birth_date: dt.date | None, on: dt.date | None = None) -> str:
        """What the rules make of a school-issued login for a student born on ``birth_date``, on ``on``
        (default: the region's today): ``"allowed"``; ``"prefer_gosuslugi"`` (allowed, but the student is old
        enough for their own Gosuslugi account, the way the region prefers); ``"refused"`` (the login will be
        refused at the door); ``"unknown"`` (no birth date in the registry: refused too, until it is entered).
        """
        from plugins.age_policy import rules

        if birth_date is None:
            return "unknown"
        section = settings("age_policy")
        today = on or region_today()
        if rules.decide(section, "school", None, birth_date, today) is not None:
            return "refused"
        return "allowed" if rules.is_below(birth_date, section["min_age_esia"], today) else "prefer_gosuslugi"


def make_service() -> AgePolicyService:
    """The one ``service("age_policy")`` object, typed by its Protocol."""
    return AgeRulesService()
