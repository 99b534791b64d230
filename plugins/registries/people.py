"""Changes to the registries, each audited with its old and new values.

The web pages call these; so do tests. A change never deletes a person: a
student leaves by a status change, a link ends, a consent is revoked, a user
is blocked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api import User, _, audit, block_user, model_dict, region_today, unblock_user, utcnow
from plugins.registries import models as m
from plugins.registries.importer import academic_year

STUDENT_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "snils", "school_class")
PARENT_FIELDS = ("last_name", "first_name", "middle_name", "snils", "birth_date", "phone", "email")
CONSENT_FIELDS = ("subject_student", "subject_parent", "giver_parent", "giver_student", "purpose",
                  "text_version", "given_on", "channel", "scan_reference", "revoked_at", "revocation_note")


class RegistryConflict(ValueError):
    """A change the registries refuse; ``field`` names the form field, the message is Russian."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def class_for(school_id: int, grade_letter: tuple[int, str] | None) -> int | None:
    """The id of the school's class of the current academic year, created on first use."""
    if grade_letter is None:
        return None
    grade, letter = grade_letter
    year = academic_year()
    found = m.SchoolClass.get_or_none((m.SchoolClass.school == school_id) & (m.SchoolClass.year == year)
                                      & (m.SchoolClass.grade == grade) & (m.SchoolClass.letter == letter))
    if found is None:
        found = m.SchoolClass.create(school=school_id, year=year, grade=grade, letter=letter)
        audit("class.create", "school_class", found.id, details={"old": None, "new": {"name": found.name}})
    return found.id


def check_snils_free(snils: str | None, *, student_id: int | None = None, parent_id: int | None = None) -> None:
    """A SNILS belongs to one person only, whether student or parent."""
    if not snils:
        return
    student = m.Student.get_or_none(m.Student.snils == snils)
    if student is not None and student.id != student_id:
        raise RegistryConflict("snils", _("Этот СНИЛС уже записан у обучающегося."))
    parent = m.Parent.get_or_none(m.Parent.snils == snils)
    if parent is not None and parent.id != parent_id:
        raise RegistryConflict("snils", _("Родитель с этим СНИЛС уже есть в реестре. Чтобы связать его с "
                                          "ребёнком, укажите этот СНИЛС на карточке ребёнка."))




def released_elsewhere(school_id: int, data: dict[str, Any]) -> m.Student | None:
    """The record of the same child that another school has released, to enrol here by transfer.

    The SNILS finds the record; the surname and the birth date must match too, so a
    mistyped or guessed SNILS never hands another child's record to this school. A
    child still studying at the other school is refused with what that school must do.
    """
    snils = data.get("snils")
    found = m.Student.get_or_none(m.Student.snils == snils) if snils else None
    if found is None or found.school_id == school_id:
        return None
    if found.status not in m.RELEASED_STATUSES:
        raise RegistryConflict("snils", _("Обучающийся с этим СНИЛС числится в другой школе. Зачислить его "
                                          "переводом можно, когда та школа отметит выбытие (статус «переведён» "
                                          "или «выбыл»)."))
    # i18n: data — «ё» and «е» are one letter when names are compared
    same_child = (found.birth_date == data.get("birth_date")
                  and found.last_name.casefold().replace("ё", "е")
                  == str(data.get("last_name", "")).casefold().replace("ё", "е"))
    if not same_child:
        raise RegistryConflict("snils", _("Этот СНИЛС записан у другого человека: проверьте СНИЛС, фамилию и дату "
                                          "рождения."))
    return found


def transfer_in(student: m.Student, school_id: int, data: dict[str, Any], actor_id: int | None) -> m.Student:
    """Enrol a child released by another school: the same record moves here, with its parents and login.

    Names and class come from the form; the enrolment history gets the arrival.
    Consents given to the old school end (its processing ended with the departure):
    the receiving school records its own before the family can use the service here.
    """
    old = {"school_id": student.school_id, "status": student.status,
           **model_dict(student, STUDENT_FIELDS)}
    old_school = student.school.short_name
    values = {k: data[k] for k in STUDENT_FIELDS if k != "school_class"}
    values["school_class"] = class_for(school_id, data.get("school_class"))
    for key, value in values.items():
        setattr(student, key, value)
    student.school = school_id
    student.status = "enrolled"
    student.updated_at = utcnow()
    student.save()
    m.EnrolmentEvent.create(student=student.id, status="enrolled", school=school_id,
                            school_class=values["school_class"], date=region_today(),
                            note=_("Зачислен переводом из «%(school)s»", school=old_school), recorded_by=actor_id)
    for consent in m.Consent.select().where((m.Consent.subject_student == student.id)
                                            & m.Consent.revoked_at.is_null()):
        revoke_consent(consent, _("Прекращено: обучающийся переведён из «%(school)s» в другую школу.",
                                  school=old_school), actor_id)
    audit("student.transfer_in", "student", student.id, details={
        "old": old, "new": {"school_id": school_id, "status": "enrolled", **model_dict(student, STUDENT_FIELDS)}})
    return student


def create_student(school_id: int, data: dict[str, Any], actor_id: int | None) -> m.Student:
    check_snils_free(data.get("snils"))
    values = {k: data[k] for k in STUDENT_FIELDS if k != "school_class"}
    values["school_class"] = class_for(school_id, data.get("school_class"))
    student = m.Student.create(school=school_id, status=data.get("status") or "enrolled", **values)
    m.EnrolmentEvent.create(student=student.id, status=student.status, school=school_id,
                            school_class=values["school_class"], date=region_today(),
                            note=_("Внесён в реестр"), recorded_by=actor_id)
    audit("student.create", "student", student.id,
          details={"old": None, "new": model_dict(student, STUDENT_FIELDS + ("status",))})
    return student


def update_record(record: Any, values: dict[str, Any], fields: tuple[str, ...], object_type: str) -> dict:
    """Save the changed fields only and audit old→new; return the changes."""
    old = model_dict(record, fields)
    for key, value in values.items():
        setattr(record, key, value)
    new = model_dict(record, fields)
    changed = [k for k in fields if old[k] != new[k]]
    if changed:
        record.updated_at = utcnow()
        record.save()
        audit(f"{object_type}.update", object_type, record.id,
              details={"old": {k: old[k] for k in changed}, "new": {k: new[k] for k in changed}})
    return {k: (old[k], new[k]) for k in changed}


def update_student(student: m.Student, data: dict[str, Any]) -> dict:
    check_snils_free(data.get("snils"), student_id=student.id)
    values = {k: data[k] for k in STUDENT_FIELDS if k != "school_class"}
    values["school_class"] = class_for(student.school_id, data.get("school_class"))
    changes = update_record(student, values, STUDENT_FIELDS, "student")
    if "school_class" in changes:
        m.EnrolmentEvent.create(student=student.id, status=student.status, school=student.school_id,
                                school_class=student.school_class_id, date=region_today(),
                                note=_("Переведён в другой класс"))
    return changes


def change_status(student: m.Student, status: str, date: dt.date, note: str, actor_id: int | None) -> None:
    """Record an enrolment change; the student stays in the registry with the full history."""
    old = student.status
    m.Student.update(status=status, updated_at=utcnow()).where(m.Student.id == student.id).execute()
    student.status = status
    m.EnrolmentEvent.create(student=student.id, status=status, school=student.school_id,
                            school_class=student.school_class_id, date=date, note=note, recorded_by=actor_id)
    audit("student.status", "student", student.id,
          details={"old": {"status": old}, "new": {"status": status, "date": date.isoformat(), "note": note}})


def create_parent(school_id: int, data: dict[str, Any]) -> m.Parent:
    check_snils_free(data["snils"])
    parent = m.Parent.create(registered_school=school_id, **{k: data[k] for k in PARENT_FIELDS})
    audit("parent.create", "parent", parent.id, details={"old": None, "new": model_dict(parent, PARENT_FIELDS)})
    return parent


def update_parent(parent: m.Parent, data: dict[str, Any]) -> dict:
    check_snils_free(data["snils"], parent_id=parent.id)
    return update_record(parent, {k: data[k] for k in PARENT_FIELDS}, PARENT_FIELDS, "parent")


def link(parent: m.Parent, student: m.Student, relation: str) -> m.ParentLink:
    """Link a parent to a child (or renew an ended link); each parent's link is independent."""
    existing = m.ParentLink.get_or_none((m.ParentLink.parent == parent.id) & (m.ParentLink.student == student.id))
    if existing is not None and existing.ended_at is None:
        raise RegistryConflict("parent_snils", _("Этот родитель уже связан с ребёнком."))
    if existing is not None:
        old = {"relation": existing.relation, "ended_at": existing.ended_at.isoformat()}
        m.ParentLink.update(relation=relation, ended_at=None).where(m.ParentLink.id == existing.id).execute()
        audit("link.update", "parent_link", existing.id,
              details={"old": old, "new": {"relation": relation, "ended_at": None}})
        return m.ParentLink.get_by_id(existing.id)
    created = m.ParentLink.create(parent=parent.id, student=student.id, relation=relation)
    audit("link.create", "parent_link", created.id, details={
        "old": None, "new": {"parent": parent.id, "student": student.id, "relation": relation}})
    return created


def end_link(parent_link: m.ParentLink) -> None:
    now = utcnow()
    m.ParentLink.update(ended_at=now).where(m.ParentLink.id == parent_link.id).execute()
    audit("link.end", "parent_link", parent_link.id,
          details={"old": {"ended_at": None}, "new": {"ended_at": now.isoformat()}})


def create_user_for(person: m.Student | m.Parent, role: str) -> User:
    """Step 3: a user account («Пользователь») for a registry person."""
    if person.user_id is not None:
        raise RegistryConflict("user", _("У этого человека уже есть пользователь."))
    user = User.create(display_name=person.full_name, role=role)
    type(person).update(user=user.id).where(type(person).id == person.id).execute()
    person.user = user
    audit("user.create", "user", user.id, details={
        "old": None, "new": {"role": role, "person": f"{type(person).__name__.lower()}:{person.id}"}})
    return user


def block(user: User, reason: str) -> None:
    """Block an account; its live sessions end at once (core ``block_user``)."""
    block_user(user, reason)
    audit("user.update", "user", user.id, details={"old": {"is_blocked": False}, "new": {"is_blocked": True}})


def unblock(user: User) -> None:
    unblock_user(user)
    audit("user.update", "user", user.id, details={"old": {"is_blocked": True}, "new": {"is_blocked": False}})


def record_consent(subject: m.Student | m.Parent, giver: m.Student | m.Parent, data: dict[str, Any],
                   actor_id: int | None) -> m.Consent:
    """A consent to personal-data processing, kept as its own document."""
    if data["channel"] == "paper" and not data.get("scan_reference"):
        raise RegistryConflict("scan_reference", _("Для согласия на бумаге укажите, где хранится скан."))
    values = {
        "subject_student": subject.id if isinstance(subject, m.Student) else None,
        "subject_parent": subject.id if isinstance(subject, m.Parent) else None,
        "giver_parent": giver.id if isinstance(giver, m.Parent) else None,
        "giver_student": giver.id if isinstance(giver, m.Student) else None,
    }
    consent = m.Consent.create(
        purpose=data["purpose"], text_version=data["text_version"], given_on=data["given_on"],
        channel=data["channel"], scan_reference=data.get("scan_reference", ""), recorded_by=actor_id, **values)
    audit("consent.create", "consent", consent.id, details={"old": None, "new": model_dict(consent, CONSENT_FIELDS)})
    return consent


def revoke_consent(consent: m.Consent, note: str, actor_id: int | None) -> None:
    """Revocation stops the electronic service for the data at once; the record stays."""
    if consent.revoked_at is not None:
        raise RegistryConflict("consent", _("Согласие уже отозвано."))
    now = utcnow()
    m.Consent.update(revoked_at=now, revoked_by=actor_id, revocation_note=note).where(
        m.Consent.id == consent.id).execute()
    audit("consent.revoke", "consent", consent.id, details={
        "old": {"revoked_at": None}, "new": {"revoked_at": now.isoformat(), "revocation_note": note}})
