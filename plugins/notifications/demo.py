"""Notifications in the demo region: the featured parent gets e-mails at once, a second parent a digest.

The demo has no mail server: ``make run`` users see the choices on «Уведомления»
and can start ``eschool notifications worker`` against their own SMTP server
(see ``docs/plugins/notifications.md``). Anything already in the outbox is the
journal's history and is marked as handled, so a first worker run sends nothing old.
"""

from __future__ import annotations

from core.api import service, utcnow
from plugins.notifications.models import NotificationEvent, Preference


def generate(demo) -> None:
    reg = service("registries")
    featured = demo.shared["registries.featured"]["parent"]
    parent = reg.parents([featured])[featured]
    if parent.user_id is not None:
        Preference.create(user_id=parent.user_id, email="parent@demo-region.example", email_on=True,
                          kinds="marks,grades,absences,homework", mode="instant", quiet_from=22, quiet_to=7)
    others = reg.parents_with_accounts(3, exclude=[parent.id])
    for other in others:
        Preference.create(user_id=other.user_id, email=f"parent{other.id}@demo-region.example", email_on=True,
                          kinds="marks,grades", mode="digest", digest_hour=19, last_digest_at=utcnow())
    NotificationEvent.update(fanned_out_at=utcnow()).where(NotificationEvent.fanned_out_at.is_null()).execute()
