"""Tables of the absence_notes plugin."""

from __future__ import annotations

import peewee

from core.api import BaseModel, lazy_gettext, utcnow

# reason key → label; «болезнь» maps to the illness code, the others to the excused code
REASONS = {
    "illness": lazy_gettext("болезнь"),
    "family": lazy_gettext("семейные обстоятельства"),
    "other": lazy_gettext("другое"),
}
STATUSES = {
    "pending": lazy_gettext("на рассмотрении"),
    "accepted": lazy_gettext("принято"),
    "rejected": lazy_gettext("отклонено"),
    "withdrawn": lazy_gettext("отозвано"),
}


class AbsenceNote(BaseModel):
    """A parent's notice that their child is or was absent («объяснительная», «сообщение об отсутствии»).

    ``school_id`` and ``class_id`` are the child's school and class when the
    notice was sent: the class teacher of that class decides it. ``file_stored``
    is the random name of the attachment in ``instance/absence_notes/``;
    ``file_name`` the name the parent's file had. A decision is final.
    """

    student_id = peewee.IntegerField(index=True)
    school_id = peewee.IntegerField(index=True)
    class_id = peewee.IntegerField(null=True, index=True)
    parent_user_id = peewee.IntegerField(index=True)
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    reason = peewee.CharField(max_length=20)
    comment = peewee.TextField(default="")
    file_stored = peewee.CharField(max_length=100, default="")
    file_name = peewee.CharField(max_length=200, default="")
    file_type = peewee.CharField(max_length=50, default="")
    status = peewee.CharField(max_length=20, default="pending", index=True)
    created_at = peewee.DateTimeField(default=utcnow)
    decided_by = peewee.IntegerField(null=True)
    decided_at = peewee.DateTimeField(null=True)
    decision_note = peewee.TextField(default="")
    lessons_changed = peewee.IntegerField(default=0)

    class Meta:
        table_name = "absence_note"

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


ABSENCE_NOTE_MODELS = [AbsenceNote]
