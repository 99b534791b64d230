"""The decision on an application: made by the platform, not by this plugin.

The applicant, already identified by Gosuslugi on the portal, goes through the
same identity path as a Gosuslugi login (``core.api.resolve_login``: the
``resolve_identity`` and ``login_rules`` hooks — SNILS/OID → person → user, the
age rules), then through the same policy scope as the cabinet
(``progress.read`` on the student, asked through the registries service: a parent
with an active link and consent, or the student themself). The answer is what the cabinet's
``/progress`` shows that person, read through the gradebook's service. Each
decision is audited with the applicant as the actor.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from core.api import (
    Actor,
    AnonymousActor,
    Identity,
    LoginRefused,
    audit,
    database,
    lazy_gettext,
    mask_snils,
    resolve_login,
    service,
    settings,
)
from plugins.portal import payload as p

PLUGIN = "portal"

# Our refusal code → (the Adapter's RejectCode, the text the portal shows the applicant).
REFUSALS = {
    "INCOMPLETE_APPLICATION": ("UNKNOWN_REQUEST_DESCRIPTION", lazy_gettext(
        "Отказ в предоставлении услуги: в заявлении не заполнены обязательные сведения или они заполнены "
        "неверно. Проверьте фамилию, имя и дату рождения ребёнка и подайте заявление ещё раз.")),
    "APPLICANT_NOT_FOUND": ("ACCESS_DENIED", lazy_gettext(
        "Отказ в предоставлении услуги: личность заявителя не установлена — заявитель не найден в реестре "
        "родителей (законных представителей) и обучающихся школ региона по СНИЛС. Обратитесь в школу, чтобы "
        "вас внесли в реестр со СНИЛС.")),
    "NOT_REPRESENTATIVE": ("ACCESS_DENIED", lazy_gettext(
        "Отказ в предоставлении услуги: заявитель не является родителем (законным представителем) указанного "
        "обучающегося. Если это ошибка, обратитесь в школу, чтобы она связала вас с ребёнком в реестре.")),
    "NO_CONSENT": ("ACCESS_DENIED", lazy_gettext(
        "Отказ в предоставлении услуги: в школе нет действующего согласия на обработку персональных данных "
        "обучающегося. Оформите согласие в школе и подайте заявление ещё раз.")),
    "CHILD_NOT_FOUND": ("NO_DATA", lazy_gettext(
        "Отказ в предоставлении услуги: обучающийся с указанными фамилией, именем и датой рождения не найден "
        "в школах региона.")),
    "CHILD_AMBIGUOUS": ("UNKNOWN_REQUEST_DESCRIPTION", lazy_gettext(
        "Отказ в предоставлении услуги: по указанным сведениям найдено несколько обучающихся. Укажите в "
        "заявлении СНИЛС ребёнка или его школу и класс.")),
    "STUDENT_TOO_YOUNG": ("ACCESS_DENIED", lazy_gettext(
        "Отказ в предоставлении услуги: обучающийся может сам подать заявление только по достижении возраста, "
        "установленного в регионе. Заявление может подать родитель (законный представитель).")),
    "NO_DATA_FOR_PERIOD": ("NO_DATA", lazy_gettext(
        "Отказ в предоставлении услуги: за указанный период в электронном журнале нет сведений об "
        "успеваемости обучающегося.")),
    "FAILURE": ("FAILURE", lazy_gettext(
        "Заявление не удалось обработать из-за технической ошибки. Подайте заявление повторно позже.")),
}


class PortalActor(Actor):
    """The applicant as an actor of the platform: their user, no web session, provider ``portal``."""

    def __init__(self, user: Any):
        super().__init__(user, None, "")

    @property
    def provider(self) -> str:
        return "portal"


@dataclass
class Outcome:
    """What was decided: the answer, and who the registry says the applicant and the student are."""

    answer: p.ProgressAnswer | p.RefusalAnswer
    user_id: int | None = None
    student_id: int | None = None

    @property
    def refusal_code(self) -> str:
        return self.answer.code if isinstance(self.answer, p.RefusalAnswer) else ""


def refusal(code: str) -> p.RefusalAnswer:
    reject, text = REFUSALS[code]
    return p.RefusalAnswer(code, reject, str(text))


class Refused(Exception):
    def __init__(self, code: str, user_id: int | None = None, student_id: int | None = None):
        super().__init__(code)
        self.code, self.user_id, self.student_id = code, user_id, student_id


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").strip().lower().replace("ё", "е"))  # i18n: data


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def resolve_applicant(app: p.Application) -> Any:
    """The applicant's User through the login pipeline, undoing whatever it wrote (a first link)."""
    cfg = settings(PLUGIN)
    snils = _digits(app.snils)
    identity = Identity(provider=cfg["identity_provider"], subject=app.oid,
                        snils=f"{snils[0:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:11]}",
                        last_name=app.applicant.last_name, first_name=app.applicant.first_name,
                        middle_name=app.applicant.middle_name, confirmed=True, level="confirmed")
    with database.atomic() as transaction:
        try:
            return resolve_login(identity)
        except LoginRefused as refused:
            code = "STUDENT_TOO_YOUNG" if refused.code.startswith("age_") else "APPLICANT_NOT_FOUND"
            raise Refused(code) from None
        finally:
            transaction.rollback()


def find_child(app: p.Application) -> Any:
    """The one student the application names: by SNILS when given, else names + birth date (+ school, class)."""
    reg = service("registries")
    if app.child_snils:
        found = reg.find_students(reg.student_condition(snils=_digits(app.child_snils)), limit=1)
        if found:
            return found[0]
    candidates = [s for s in reg.find_students(reg.student_condition(birth_date=app.child_birth_date))
                  if _norm(s.last_name) == _norm(app.child.last_name)
                  and _norm(s.first_name) == _norm(app.child.first_name)
                  and (not app.child.middle_name or not s.middle_name
                       or _norm(s.middle_name) == _norm(app.child.middle_name))]
    if len(candidates) > 1 and (app.child_school or app.child_class):
        candidates = [s for s in candidates if _matches_school(s, app)] or candidates
    if not candidates:
        raise Refused("CHILD_NOT_FOUND")
    if len(candidates) > 1:
        raise Refused("CHILD_AMBIGUOUS")
    return candidates[0]


def _matches_school(student: Any, app: p.Application) -> bool:
    school = _norm(app.child_school)
    names = {_norm(student.school_name), _norm(student.school_short_name)}
    if school and not any(school in n or n in school for n in names if n):
        return False
    klass = _norm(app.child_class).replace(" ", "")
    if not klass:
        return True
    return bool(student.class_name) and _norm(student.class_name).replace(" ", "") == klass


def _why_out_of_scope(user: Any, student: Any) -> str:
    reg = service("registries")
    if user.role == "parent" and not reg.is_linked_parent(user, student.id):
        return "NOT_REPRESENTATIVE"
    return "NO_CONSENT" if not reg.has_active_consent(student.id) else "NOT_REPRESENTATIVE"


def _periods_asked(student: Any, app: p.Application, today: dt.date) -> list[Any]:
    """``gradebook`` progress of each period asked: the current one, or every period overlapping the dates."""
    gradebook = service("gradebook")
    if app.period_from is None:
        found = gradebook.progress(student, today)
        return [found] if found is not None else []
    return [gradebook.progress(student, today, period.id) for period in gradebook.periods(student)
            if period.starts_on <= app.period_to and period.ends_on >= app.period_from]


def progress_answer(student: Any, data: list[Any]) -> p.ProgressAnswer:
    """The cabinet's progress page, as the payload's rows."""
    periods = []
    for progress in data:
        periods.append(p.PeriodRow(
            f"{progress.period.name} {progress.year.name}", progress.period.starts_on, progress.period.ends_on,
            getattr(progress.year, "school_name", "") or student.school_short_name or student.school_name,
            [p.SubjectRow(s.subject, s.teacher,
                          [p.MarkRow(m.date, m.value, m.work_type, m.weight, m.comment) for m in s.marks],
                          s.average if s.scale == "five" else None, s.period_grade, s.absences)
             for s in progress.subjects],
            dict(progress.attendance)))
    return p.ProgressAnswer(p.Person(student.last_name, student.first_name, student.middle_name or ""),
                            student.school_short_name or student.school_name, student.class_name, periods)


def decide(app: p.Application, today: dt.date) -> Outcome:
    """Decide an application and audit it with the applicant as the actor (see the module docstring)."""
    actor: Any = AnonymousActor()
    try:
        if app.role != "student" and app.child is None:
            raise Refused("INCOMPLETE_APPLICATION")
        user = resolve_applicant(app)
        actor = PortalActor(user)
        if app.role == "student":
            if user.role != "student":
                raise Refused("APPLICANT_NOT_FOUND", user.id)
            person = service("registries").person_of(user)
            student = service("registries").students([person.id]).get(person.id) if person else None
            if student is None:
                raise Refused("APPLICANT_NOT_FOUND", user.id)
        else:
            if user.role != "parent":
                raise Refused("NOT_REPRESENTATIVE", user.id)
            student = find_child(app)
        if not service("registries").may_act_on_students(actor, "progress.read", [student.id]):
            raise Refused(_why_out_of_scope(user, student), user.id, student.id)
        data = [d for d in _periods_asked(student, app, today) if d is not None]
        if not data or not any(d.subjects for d in data):
            raise Refused("NO_DATA_FOR_PERIOD", user.id, student.id)
    except Refused as refused:
        audit("portal.application", "application", app.number, result="refused", actor=actor,
              details={"code": refused.code, "oid": app.oid, "snils": mask_snils(app.snils), "role": app.role,
                       "student": refused.student_id})
        return Outcome(refusal(refused.code), refused.user_id, refused.student_id)
    audit("progress.read", "student", student.id, actor=actor,
          details={"page": "portal", "application": app.number, "periods": [d.period.id for d in data]})
    audit("portal.application", "application", app.number, actor=actor,
          details={"oid": app.oid, "role": app.role, "student": student.id})
    return Outcome(progress_answer(student, data), user.id, student.id)
