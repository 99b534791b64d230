"""The API rate limit's counters (``core.ratelimit``): hits per token or address and minute."""

from core.ratelimit import ApiRateWindow


def upgrade(db):
    db.create_tables([ApiRateWindow])
