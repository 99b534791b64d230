"""The readiness report («готовность к оказанию услуги»): per school, per municipality, as HTML and XLSX.

Figures come from ``RegistryService.readiness``; the school admin also gets
the lists of who lacks a step (``missing``); the municipality and the region
operator get aggregates only.
"""

from __future__ import annotations

from typing import Any

from core.api import Workbook, _
from core.api import lazy_gettext as _l
from plugins.registries import models as m
from plugins.registries.service import READINESS_STEPS, RegistryService, readiness_queries

service = RegistryService()


def combine(step_lists: list[list[dict]]) -> list[dict]:
    """Sum the steps of several schools into one list of the same shape."""
    total = []
    for index, (key, label) in enumerate(READINESS_STEPS):
        done = sum(steps[index]["done"] for steps in step_lists)
        count = sum(steps[index]["total"] for steps in step_lists)
        total.append({"key": key, "label": str(label), "done": done, "total": count,
                      "percent": round(100.0 * done / count, 1) if count else 0.0,
                      "fix_endpoint": f"registries.gaps_{key}"})
    return total


def for_actor(actor: Any) -> dict[str, Any]:
    """The report the actor may see: their school, their municipality's schools, or every school."""
    if actor.role == "operator":
        schools = list(m.School.select().order_by(m.School.code))
        title, scope = _("Все школы региона"), "region"
    elif actor.role == "municipality":
        mid = service.municipality_id_of(actor.user)
        schools = list(m.School.select().where(m.School.municipality == mid).order_by(m.School.code))
        municipality = m.Municipality.get_or_none(m.Municipality.id == mid)
        title, scope = (municipality.name if municipality else _("Муниципалитет")), f"municipality:{mid}"
    else:
        ids = service.school_ids_of(actor.user)
        schools = list(m.School.select().where(m.School.id.in_(ids)).order_by(m.School.code))
        title = schools[0].short_name if len(schools) == 1 else _("Мои школы")
        scope = "school:" + ",".join(str(i) for i in ids)
    rows = [{"school": s, "steps": service.readiness([s.id])} for s in schools]
    return {
        "title": title,
        "scope": scope,
        "schools": rows,
        "total": combine([r["steps"] for r in rows]) if rows else service.readiness([]),
        "details": actor.role == "school_admin",
    }


def missing(key: str, school_ids: list[int]) -> Any:
    """Students or parents of the schools that still lack the step ``key``, in name order."""
    query, _total = readiness_queries(key, school_ids)
    model = query.model
    return query.order_by(model.last_name, model.first_name, model.id)


def to_xlsx(report: dict[str, Any]) -> bytes:
    """The report as a workbook: one row per school and step, and the total; figures only, no names."""
    book = Workbook(streaming=True)
    ws = book.sheet(_("Готовность"))
    ws.append([_("Готовность к оказанию услуги: %(title)s", title=report["title"])])
    ws.append([_("Код школы"), _("Школа"), _("Шаг"), _("Выполнено"), _("Всего"), _("Процент")])
    for row in report["schools"]:
        for step in row["steps"]:
            ws.append([row["school"].code, row["school"].short_name, step["label"], step["done"], step["total"],
                       step["percent"]])
    for step in report["total"]:
        ws.append(["", _("Итого"), step["label"], step["done"], step["total"], step["percent"]])
    return book.to_bytes()


# --- the drill-down: a school by class, a class by child (issue 16, item 6) ---------------------------

CHILD_GAPS = (
    ("parent", _l("родитель")),
    ("snils", _l("СНИЛС ребёнка")),
    ("consent", _l("согласие")),
    ("user", _l("пользователь у родителя")),
)


def child_gaps(students: list[Any]) -> dict[int, list[str]]:
    """For each student: the keys of ``CHILD_GAPS`` they still lack (four queries, whatever the count)."""
    ids = [s.id for s in students]
    parents: dict[int, int] = {}
    with_user: set[int] = set()
    if ids:
        links = (m.ParentLink.select(m.ParentLink.student, m.Parent.user)
                 .join(m.Parent)
                 .where(m.ParentLink.student.in_(ids) & m.ParentLink.ended_at.is_null()
                        & m.Parent.snils.is_null(False) & (m.Parent.snils != "")))
        for link in links:
            parents[link.student_id] = parents.get(link.student_id, 0) + 1
            if link.parent.user_id is not None:
                with_user.add(link.student_id)
        consented = {c.subject_student_id for c in m.Consent.select(m.Consent.subject_student)
                     .where(m.Consent.subject_student.in_(ids) & m.Consent.revoked_at.is_null())}
    else:
        consented = set()
    out = {}
    for s in students:
        lacks = []
        if not parents.get(s.id):
            lacks.append("parent")
        if not s.snils:
            lacks.append("snils")
        if s.id not in consented:
            lacks.append("consent")
        if s.id not in with_user:
            lacks.append("user")
        out[s.id] = lacks
    return out


def enrolled_in(condition: Any) -> list[Any]:
    return list(m.Student.select().where(condition & (m.Student.status == "enrolled"))
                .order_by(m.Student.last_name, m.Student.first_name, m.Student.middle_name, m.Student.id))


def school_by_class(school: Any) -> list[dict[str, Any]]:
    """One row per class of the school with enrolled children: how many lack each item."""
    students = enrolled_in(m.Student.school == school.id)
    gaps = child_gaps(students)
    classes = {c.id: c for c in m.SchoolClass.select().where(m.SchoolClass.school == school.id)}
    rows: dict[Any, dict[str, Any]] = {}
    for s in students:
        row = rows.setdefault(s.school_class_id, {"class": classes.get(s.school_class_id), "children": 0,
                                                  "lacking": 0, "gaps": {k: 0 for k, _label in CHILD_GAPS}})
        row["children"] += 1
        row["lacking"] += bool(gaps[s.id])
        for key in gaps[s.id]:
            row["gaps"][key] += 1
    ordered = sorted(rows.values(), key=lambda r: (r["class"] is None, r["class"].grade if r["class"] else 0,
                                                   r["class"].letter if r["class"] else ""))
    return ordered


def class_missing(actor: Any, klass: Any) -> list[dict[str, Any]]:
    """The children of a class who lack anything, with what they lack; named only for those who may open their
    cards (the municipality and the region see the child's number in the class list instead)."""
    students = enrolled_in(m.Student.school_class == klass.id)
    gaps = child_gaps(students)
    labels = dict(CHILD_GAPS)
    # the school's own staff know its children by name; the school admin keeps their cards
    named = actor.role in ("school_admin", "deputy") and klass.school_id in service.school_ids_of(actor.user)
    linked = named and actor.role == "school_admin"
    out = []
    for number, s in enumerate(students, start=1):
        if not gaps[s.id]:
            continue
        out.append({"number": number, "student": s if linked else None,
                    "label": s.full_name if named else _("обучающийся № %(n)s по списку класса", n=number),
                    "lacks": [str(labels[k]) for k in gaps[s.id]]})
    return out
