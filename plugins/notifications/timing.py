"""The region's clock: quiet hours and digest moments in the region's time zone, stored times in naive UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.api import core_settings


def zone() -> ZoneInfo:
    return ZoneInfo(core_settings()["timezone"])


def to_local(utc: dt.datetime) -> dt.datetime:
    return utc.replace(tzinfo=dt.UTC).astimezone(zone())


def to_utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def local_date(utc: dt.datetime) -> dt.date:
    return to_local(utc).date()


def in_quiet_hours(utc: dt.datetime, quiet_from: int, quiet_to: int) -> bool:
    """Whether the local hour falls in [quiet_from, quiet_to), the interval may cross midnight; equal = never."""
    hour = to_local(utc).hour
    if quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= hour < quiet_to
    return hour >= quiet_from or hour < quiet_to


def quiet_ends(utc: dt.datetime, quiet_to: int) -> dt.datetime:
    """The first moment (UTC) after ``utc`` when the local clock shows ``quiet_to``:00."""
    local = to_local(utc)
    end = local.replace(hour=quiet_to, minute=0, second=0, microsecond=0)
    if end <= local:
        end = (local + dt.timedelta(days=1)).replace(hour=quiet_to, minute=0, second=0, microsecond=0)
    return to_utc(end)


def last_digest_moment(utc: dt.datetime, hour: int) -> dt.datetime:
    """The latest moment (UTC) not after ``utc`` when the local clock showed ``hour``:00."""
    local = to_local(utc)
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment > local:
        moment = (local - dt.timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return to_utc(moment)
