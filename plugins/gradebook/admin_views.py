"""The school admin's gradebook settings: calendar, subjects, work types, codes, groups, load, timetable.

Simple forms on one page; each POST is validated by a marshmallow schema from
``schemas.py`` (Russian messages next to the fields) and every referenced id
must belong to the admin's own school.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.api import _, audit, current_actor, database, require, roles_required, service
from plugins.gradebook import journal, queries, schemas
from plugins.gradebook.models import (
    AcademicYear,
    AttendanceCode,
    GroupMember,
    Holiday,
    Period,
    StudyGroup,
    Subject,
    TeachingAssignment,
    TimetableSlot,
    WorkType,
)
from plugins.gradebook.school_calendar import create_year, generate_lessons
from plugins.gradebook.views import bp

FORMS = {
    "year": schemas.YearForm, "period": schemas.DateRangeForm, "holiday": schemas.DateRangeForm,
    "subject": schemas.SubjectForm, "work_type": schemas.WorkTypeForm, "code": schemas.AttendanceCodeForm,
    "group": schemas.GroupForm, "assignment": schemas.AssignmentForm, "slot": schemas.SlotForm,
    "local_act": schemas.LocalActForm,
}
CHECKBOXES = ("is_written", "is_absence", "is_excused")


def _my_school():
    actor = current_actor()
    staff = service("registries").staff_of(actor.user)
    if staff is None or staff.school_id is None:
        abort(403)
    return service("registries").school(staff.school_id)


def _page(school, errors=None, status=200):
    reg = service("registries")
    years = queries.years_of_school(school.id)
    classes = reg.classes_of_school(school.id)
    teachers = reg.staff_of_school(school.id)
    students = reg.find_students(reg.student_condition(school_ids=[school.id], enrolled=True))
    assignments = list(TeachingAssignment.select().where(TeachingAssignment.school_id == school.id)
                       .order_by(TeachingAssignment.id.desc()))
    class_ids = [c.id for c in classes] or [0]
    return render_template(
        "gradebook/admin.html", school=school, years=[(y, queries.periods_of(y), list(y.holidays)) for y in years],
        act=journal.local_act_for(school.id), classes=classes, teachers=teachers, students=students,
        class_names={c.id: c.name for c in classes}, teacher_names={t.id: t.short_name for t in teachers},
        subjects=list(Subject.select().where(Subject.school_id == school.id).order_by(Subject.name)),
        work_types=list(WorkType.select().where(WorkType.school_id == school.id).order_by(WorkType.id)),
        codes=list(AttendanceCode.select().where(AttendanceCode.school_id == school.id).order_by(AttendanceCode.id)),
        groups=list(StudyGroup.select().where(StudyGroup.class_id.in_(class_ids))),
        assignments=assignments, slots=list(TimetableSlot.select().where(
            TimetableSlot.assignment.in_([a.id for a in assignments] or [0]))),
        errors=errors or {}, form=request.form if errors else {},
    ), status


@bp.route("/gradebook/admin")
@roles_required("school_admin")
def admin_index():
    school = _my_school()
    require(current_actor(), "gradebook.manage", school, object_type="school", object_id=school.id)
    return _page(school)


def _form_data(kind: str) -> dict:
    data = {}
    for key in request.form:
        if key in ("csrf_token", "year_id_for"):
            continue
        values = request.form.getlist(key)
        data[key] = values if key == "student_ids" else values[0]
    for box in CHECKBOXES:
        if box in FORMS[kind]._declared_fields:
            data[box] = box in request.form
    for key in ("group_id",):
        if data.get(key) == "":
            data[key] = None
    return {k: v for k, v in data.items() if k in FORMS[kind]._declared_fields}


@bp.route("/gradebook/admin/<kind>", methods=["POST"])
@roles_required("school_admin")
def admin_save(kind: str):
    if kind not in FORMS:
        abort(404)
    school = _my_school()
    actor = current_actor()
    require(actor, "gradebook.manage", school, object_type="school", object_id=school.id)
    try:
        data = FORMS[kind]().load(_form_data(kind))
        with database.atomic():
            _apply(kind, school, data)
    except ValidationError as exc:
        messages = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in exc.normalized_messages().items()}
        flash(_("Не сохранено: исправьте отмеченные поля."), "error")
        return _page(school, {kind: messages}, 422)
    audit("gradebook.manage", kind, school.id)
    flash(_("Сохранено."), "success")
    return redirect(url_for(".admin_index"))


def _own(model, object_id, condition, field_name: str):
    found = model.select().where((model.id == object_id) & condition).first() if object_id else None
    if found is None:
        raise ValidationError(_("Выберите значение из списка."), field_name)
    return found


def _listed(found, field_name: str):
    """A registry value the form named, if it passed its check; else the form's error."""
    if found is None:
        raise ValidationError(_("Выберите значение из списка."), field_name)
    return found


def _class_of(reg, class_id, school_id: int):
    school_class = reg.classes([class_id]).get(class_id) if class_id else None
    return school_class if school_class is not None and school_class.school_id == school_id else None


def _apply(kind: str, school, data: dict) -> None:
    reg = service("registries")
    if kind == "year":
        if AcademicYear.select().where((AcademicYear.school_id == school.id)
                                       & (AcademicYear.start_year == data["start_year"])).exists():
            raise ValidationError(_("Такой учебный год уже есть."), "start_year")
        create_year(school.id, data["start_year"], data["period_kind"], starts_on=data["starts_on"],
                    ends_on=data["ends_on"])
    elif kind in ("period", "holiday"):
        year = _own(AcademicYear, request.form.get("year_id_for", type=int), AcademicYear.school_id == school.id,
                    "name")
        if year.is_closed:
            raise ValidationError(_("Учебный год закрыт."), "name")
        if kind == "period":
            number = Period.select().where(Period.year == year.id).count() + 1
            Period.create(year=year, number=number, **data)
        else:
            Holiday.create(year=year, **data)
    elif kind == "subject":
        Subject.create(school_id=school.id, **data)
    elif kind == "work_type":
        WorkType.create(school_id=school.id, **data)
    elif kind == "code":
        AttendanceCode.create(school_id=school.id, **data)
    elif kind == "group":
        klass = _listed(_class_of(reg, data["class_id"], school.id), "class_id")
        students = reg.students(data["student_ids"])
        for student_id in data["student_ids"]:
            student = students.get(student_id)
            _listed(student if student is not None and student.school_class_id == klass.id else None,
                    "student_ids")
        group = StudyGroup.create(class_id=klass.id, name=data["name"])
        for student_id in data["student_ids"]:
            GroupMember.create(group=group, student_id=student_id)
    elif kind == "assignment":
        year = _own(AcademicYear, data["year_id"], AcademicYear.school_id == school.id, "year_id")
        klass = _listed(_class_of(reg, data["class_id"], school.id), "class_id")
        if data["group_id"] is not None:
            _own(StudyGroup, data["group_id"], StudyGroup.class_id == klass.id, "group_id")
        _own(Subject, data["subject_id"], Subject.school_id == school.id, "subject_id")
        teacher = reg.staff_members([data["teacher_id"]]).get(data["teacher_id"]) if data["teacher_id"] else None
        _listed(teacher if teacher is not None and teacher.school_id == school.id else None, "teacher_id")
        TeachingAssignment.create(school_id=school.id, year=year.id, class_id=klass.id, group=data["group_id"],
                                  subject=data["subject_id"], teacher_id=data["teacher_id"], scale=data["scale"])
    elif kind == "slot":
        assignment = _own(TeachingAssignment, data.pop("assignment_id"), TeachingAssignment.school_id == school.id,
                          "assignment_id")
        TimetableSlot.create(assignment=assignment, **data)
    elif kind == "local_act":
        act = journal.local_act_for(school.id)
        for key, value in data.items():
            setattr(act, key, value)
        act.updated_by = current_actor().id
        act.save()


@bp.route("/gradebook/admin/assignment/<int:assignment_id>/lessons", methods=["POST"])
@roles_required("school_admin")
def admin_generate_lessons(assignment_id: int):
    school = _my_school()
    require(current_actor(), "gradebook.manage", school, object_type="school", object_id=school.id)
    assignment = TeachingAssignment.get_or_none((TeachingAssignment.id == assignment_id)
                                                & (TeachingAssignment.school_id == school.id))
    if assignment is None:
        abort(404)
    if assignment.year.is_closed:
        flash(_("Учебный год закрыт."), "error")
    else:
        created = generate_lessons(assignment, assignment.year.starts_on, assignment.year.ends_on)
        flash(_("Создано уроков по расписанию: %(n)s.", n=len(created)), "success")
    return redirect(url_for(".admin_index"))


@bp.route("/gradebook/admin/year/<int:year_id>/close", methods=["POST"])
@roles_required("school_admin", "deputy")
def admin_close_year(year_id: int):
    school = _my_school()
    require(current_actor(), "year.close", school, object_type="school", object_id=school.id)
    year = AcademicYear.get_or_none((AcademicYear.id == year_id) & (AcademicYear.school_id == school.id))
    if year is None:
        abort(404)
    journal.close_year(year, current_actor().id)
    audit("year.close", "academic_year", year.id)
    flash(_("Учебный год %(y)s закрыт и переведён в архив.", y=year.name), "success")
    return redirect(url_for(".admin_index") if current_actor().role == "school_admin" else url_for(".journal_index"))
