"""The school admin's registers: students, parents and their links, user accounts, consents, classes.
"""

from __future__ import annotations

from typing import Any

import peewee
from flask import abort, flash, redirect, render_template, request, url_for

from core.api import (
    LoginIdentity,
    User,
    _,
    audit,
    current_actor,
    database,
    get_or_deny,
    region_today,
    require,
    roles_required,
    scope,
    settings,
)
from plugins.registries import models as m
from plugins.registries import organisations, people
from plugins.registries.importer import academic_year
from plugins.registries.schemas import (
    CLASS_RE,
    RELATION_WORDS,
    STATUS_LABELS,
    ClassSchema,
    ConsentSchema,
    ParentLinkForm,
    ParentSchema,
    StatusChangeSchema,
    StudentSchema,
)
from plugins.registries.snils import format_snils
from plugins.registries.views import (
    ADMIN,
    bp,
    class_choices,
    load_form,
    my_school,
    page_of,
    person_or_deny,
    search_condition,
)

# i18n: data — stored in each consent record as the purpose the parent agreed to
DEFAULT_PURPOSE = "Предоставление информации о текущей успеваемости учащегося в электронном виде"


# --- students ------------------------------------------------------------------


@bp.route("/students")
@roles_required(*ADMIN)
def students():
    actor = current_actor()
    require(actor, "registry.read", None)
    school = my_school()
    query = m.Student.select(m.Student, m.SchoolClass).join(m.SchoolClass, peewee.JOIN.LEFT_OUTER).where(
        scope(actor, "registry.read", m.Student))
    q = request.args.get("q", "").strip()
    if q:
        condition, snils = search_condition(q, m.Student.last_name, m.Student.first_name, m.Student.middle_name)
        query = query.where(m.Student.snils == snils if snils else condition)
    status = request.args.get("status", "enrolled")
    if status in STATUS_LABELS:
        query = query.where(m.Student.status == status)
    class_name = request.args.get("class", "")
    match = CLASS_RE.match(class_name.upper())
    if match:
        query = query.where((m.SchoolClass.year == academic_year()) & (m.SchoolClass.grade == int(match.group(1)))
                            & (m.SchoolClass.letter == match.group(2)))
    query = query.order_by(m.Student.last_name, m.Student.first_name, m.Student.id)
    rows, page, more = page_of(query, settings("registries").get("page_size", 50))
    audit("student.list", "school", school.id, details={"q": q, "status": status, "count": len(rows)})
    return render_template("registries/students.html", rows=rows, q=q, status=status, page=page, more=more,
                           school=school, classes=class_choices(school.id), class_name=class_name)


STUDENT_FORM = ("last_name", "first_name", "middle_name", "birth_date", "gender", "snils", "school_class")


@bp.route("/students/new", methods=["GET", "POST"])
@roles_required(*ADMIN)
def student_new():
    actor = current_actor()
    require(actor, "registry.write", None)
    school = my_school()
    values, errors = dict(request.form), {}
    if request.method == "POST":
        data, errors = load_form(StudentSchema, STUDENT_FORM)
        if not errors:
            try:
                with database.atomic():
                    released = people.released_elsewhere(school.id, data)
                    if released is not None:
                        came_from = released.school.short_name
                        student = people.transfer_in(released, school.id, data, actor.id)
                    else:
                        student = people.create_student(school.id, data, actor.id)
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                if released is not None:
                    flash(_("Обучающийся зачислен переводом из «%(school)s»: его родители и учётная запись "
                            "сохранены. Запишите согласие на обработку данных в вашей школе.", school=came_from),
                          "success")
                else:
                    flash(_("Обучающийся внесён в реестр. Запишите согласие на обработку данных."), "success")
                return redirect(url_for("registries.student", student_id=student.id))
    return render_template("registries/student_form.html", values=values, errors=errors, student=None,
                           classes=class_choices(school.id))


@bp.route("/students/<int:student_id>")
@roles_required(*ADMIN)
def student(student_id: int):
    student = person_or_deny("student", student_id)
    links = list(m.ParentLink.select(m.ParentLink, m.Parent).join(m.Parent)
                 .where(m.ParentLink.student == student.id).order_by(m.ParentLink.ended_at.is_null(False),
                                                                     m.ParentLink.id))
    consents = list(m.Consent.select().where(m.Consent.subject_student == student.id).order_by(m.Consent.id.desc()))
    history = list(m.EnrolmentEvent.select().where(m.EnrolmentEvent.student == student.id)
                   .order_by(m.EnrolmentEvent.date.desc(), m.EnrolmentEvent.id.desc()))
    audit("student.read", "student", student.id)
    return render_template("registries/student.html", student=student, links=links, consents=consents,
                           history=history, account=account_of(student), today=region_today())


@bp.route("/students/<int:student_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMIN)
def student_edit(student_id: int):
    student = person_or_deny("student", student_id, "registry.write")
    errors = {}
    if request.method == "POST":
        values = dict(request.form)
        data, errors = load_form(StudentSchema, STUDENT_FORM)
        if not errors:
            try:
                with database.atomic():
                    changes = people.update_student(student, data)
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                flash(_("Изменения сохранены.") if changes else _("Изменений нет."), "success")
                return redirect(url_for("registries.student", student_id=student.id))
    else:
        audit("student.read", "student", student.id, details={"form": "edit"})
        values = {
            "last_name": student.last_name, "first_name": student.first_name, "middle_name": student.middle_name,
            "birth_date": student.birth_date.strftime("%d.%m.%Y"), "gender": student.gender,
            "snils": format_snils(student.snils) if student.snils else "",
            "school_class": student.school_class.name if student.school_class_id else "",
        }
    return render_template("registries/student_form.html", values=values, errors=errors, student=student,
                           classes=class_choices(student.school_id))


@bp.route("/students/<int:student_id>/status", methods=["POST"])
@roles_required(*ADMIN)
def student_status(student_id: int):
    student = person_or_deny("student", student_id, "registry.write")
    data, errors = load_form(StatusChangeSchema, ("status", "date", "note"))
    if errors:
        for message in errors.values():
            flash(message, "error")
    else:
        with database.atomic():
            people.change_status(student, data["status"], data["date"], data["note"], current_actor().id)
        flash(_("Статус изменён: %(status)s.", status=STATUS_LABELS[data["status"]]), "success")
    return redirect(url_for("registries.student", student_id=student.id))


@bp.route("/students/<int:student_id>/links", methods=["POST"])
@roles_required(*ADMIN)
def student_link(student_id: int):
    """Link an existing parent, found by the full SNILS the admin typed, to the child."""
    student = person_or_deny("student", student_id, "registry.write")
    data, errors = load_form(ParentLinkForm, ("parent_snils", "relation"))
    if errors:
        for message in errors.values():
            flash(message, "error")
        return redirect(url_for("registries.student", student_id=student.id))
    parent = m.Parent.get_or_none(m.Parent.snils == data["parent_snils"])
    if parent is None:
        flash(_("Родителя с этим СНИЛС ещё нет в реестре: внесите его."), "error")
        return redirect(url_for("registries.parent_new", student=student.id, relation=data["relation"],
                                snils=format_snils(data["parent_snils"])))
    try:
        with database.atomic():
            people.link(parent, student, data["relation"])
    except people.RegistryConflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("Родитель связан с ребёнком."), "success")
    return redirect(url_for("registries.student", student_id=student.id))


@bp.route("/links/<int:link_id>/end", methods=["POST"])
@roles_required(*ADMIN)
def link_end(link_id: int):
    link = get_or_deny(current_actor(), "registry.write", m.ParentLink, link_id)
    require(current_actor(), "registry.write", link.student, object_type="parent_link", object_id=link_id)
    if link.ended_at is None:
        with database.atomic():
            people.end_link(link)
        flash(_("Связь прекращена. Родитель больше не видит данные ребёнка."), "success")
    if request.form.get("back") == "parent":
        return back_to("parent", link.parent_id)
    return back_to("student", link.student_id)


# --- parents -------------------------------------------------------------------


@bp.route("/parents")
@roles_required(*ADMIN)
def parents():
    actor = current_actor()
    require(actor, "registry.read", None)
    school = my_school()
    query = m.Parent.select().where(scope(actor, "registry.read", m.Parent))
    q = request.args.get("q", "").strip()
    if q:
        condition, snils = search_condition(q, m.Parent.last_name, m.Parent.first_name, m.Parent.middle_name)
        query = query.where(m.Parent.snils == snils if snils else condition)
    query = query.order_by(m.Parent.last_name, m.Parent.first_name, m.Parent.id)
    rows, page, more = page_of(query, settings("registries").get("page_size", 50))
    audit("parent.list", "school", school.id, details={"q": q, "count": len(rows)})
    return render_template("registries/parents.html", rows=rows, q=q, page=page, more=more)


PARENT_FORM = ("last_name", "first_name", "middle_name", "snils", "birth_date", "phone", "email")


@bp.route("/parents/new", methods=["GET", "POST"])
@roles_required(*ADMIN)
def parent_new():
    """A new parent; coming from a child's card, the parent is linked to that child at once."""
    actor = current_actor()
    require(actor, "registry.write", None)
    school = my_school()
    child_id = request.values.get("student", type=int)
    child = person_or_deny("student", child_id, "registry.write") if child_id else None
    values = dict(request.values)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(ParentSchema, PARENT_FORM)
        relation = RELATION_WORDS.get(request.form.get("relation", ""))
        if child is not None and relation is None:
            errors["relation"] = _("Выберите, кем приходится ребёнку.")
        if not errors:
            try:
                with database.atomic():
                    parent = people.create_parent(school.id, data)
                    if child is not None:
                        people.link(parent, child, relation)
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                flash(_("Родитель внесён в реестр."), "success")
                return redirect(url_for("registries.parent", parent_id=parent.id))
    return render_template("registries/parent_form.html", values=values, errors=errors, parent=None, child=child)


@bp.route("/parents/<int:parent_id>")
@roles_required(*ADMIN)
def parent(parent_id: int):
    parent = person_or_deny("parent", parent_id)
    school_students = m.Student.select(m.Student.id).where(scope(current_actor(), "registry.read", m.Student))
    links = list(m.ParentLink.select(m.ParentLink, m.Student).join(m.Student)
                 .where((m.ParentLink.parent == parent.id) & m.ParentLink.student.in_(school_students))
                 .order_by(m.ParentLink.id))
    consents = list(m.Consent.select().where(m.Consent.subject_parent == parent.id).order_by(m.Consent.id.desc()))
    audit("parent.read", "parent", parent.id)
    return render_template("registries/parent.html", parent=parent, links=links, consents=consents,
                           account=account_of(parent), today=region_today())


@bp.route("/parents/<int:parent_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMIN)
def parent_edit(parent_id: int):
    parent = person_or_deny("parent", parent_id, "registry.write")
    errors = {}
    if request.method == "POST":
        values = dict(request.form)
        data, errors = load_form(ParentSchema, PARENT_FORM)
        if not errors:
            try:
                with database.atomic():
                    changes = people.update_parent(parent, data)
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                flash(_("Изменения сохранены.") if changes else _("Изменений нет."), "success")
                return redirect(url_for("registries.parent", parent_id=parent.id))
    else:
        audit("parent.read", "parent", parent.id, details={"form": "edit"})
        values = {
            "last_name": parent.last_name, "first_name": parent.first_name, "middle_name": parent.middle_name,
            "snils": format_snils(parent.snils),
            "birth_date": parent.birth_date.strftime("%d.%m.%Y") if parent.birth_date else "",
            "phone": parent.phone, "email": parent.email,
        }
    return render_template("registries/parent_form.html", values=values, errors=errors, parent=parent, child=None)


# --- users (step 3) -------------------------------------------------------------


def account_of(person: m.Student | m.Parent) -> dict[str, Any] | None:
    if person.user_id is None:
        return None
    user = User.get_by_id(person.user_id)
    identities = list(LoginIdentity.select().where(LoginIdentity.user == user.id).order_by(LoginIdentity.id))
    return {"user": user, "identities": identities}


def back_to(kind: str, person_id: int):
    return redirect(url_for(f"registries.{kind}", **{f"{kind}_id": person_id}))


@bp.route("/<any(student, parent):kind>/<int:person_id>/user", methods=["POST"])
@roles_required(*ADMIN)
def user_create(kind: str, person_id: int):
    person = person_or_deny(kind, person_id, "registry.write")
    try:
        with database.atomic():
            people.create_user_for(person, kind)
    except people.RegistryConflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("Пользователь создан. Сообщите человеку, что для входа нужна подтверждённая учётная запись "
                "на Госуслугах."), "success")
    return back_to(kind, person.id)


@bp.route("/<any(student, parent):kind>/<int:person_id>/user/<any(block, unblock):what>", methods=["POST"])
@roles_required(*ADMIN)
def user_block(kind: str, person_id: int, what: str):
    person = person_or_deny(kind, person_id, "registry.write")
    if person.user_id is None:
        abort(404)
    user = User.get_by_id(person.user_id)
    with database.atomic():
        if what == "block" and not user.is_blocked:
            people.block(user, request.form.get("reason", "").strip()[:300] or "blocked by the school admin")
            flash(_("Пользователь заблокирован; его сеансы завершены."), "success")
        elif what == "unblock" and user.is_blocked:
            people.unblock(user)
            flash(_("Пользователь разблокирован."), "success")
    return back_to(kind, person.id)


# --- consents -----------------------------------------------------------------


CONSENT_FORM = ("purpose", "text_version", "given_on", "channel", "scan_reference", "giver")


def consent_givers(person: m.Student | m.Parent) -> list[tuple[str, str]]:
    """Who can give consent about this person: the person (adult student, parent) or a linked parent."""
    if isinstance(person, m.Parent):
        return [(f"parent:{person.id}", person.full_name)]
    parents = (m.Parent.select().join(m.ParentLink)
               .where((m.ParentLink.student == person.id) & m.ParentLink.ended_at.is_null()))
    givers = [(f"parent:{p.id}", p.full_name) for p in parents]
    return givers + [(f"student:{person.id}", _("%(name)s (сам обучающийся)", name=person.full_name))]


@bp.route("/<any(student, parent):kind>/<int:person_id>/consents/new", methods=["GET", "POST"])
@roles_required(*ADMIN)
def consent_new(kind: str, person_id: int):
    person = person_or_deny(kind, person_id, "registry.write")
    givers = consent_givers(person)
    errors = {}
    values = dict(request.form) or {"purpose": DEFAULT_PURPOSE, "given_on": region_today().strftime("%d.%m.%Y")}
    if request.method == "POST":
        data, errors = load_form(ConsentSchema, CONSENT_FORM)
        if not errors and data["giver"] not in dict(givers):
            errors["giver"] = _("Выберите, кто дал согласие.")
        if not errors:
            giver_kind, giver_id = data["giver"].split(":")
            giver = (m.Parent if giver_kind == "parent" else m.Student).get_by_id(int(giver_id))
            try:
                with database.atomic():
                    people.record_consent(person, giver, data, current_actor().id)
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                flash(_("Согласие записано."), "success")
                return back_to(kind, person.id)
    return render_template("registries/consent_form.html", person=person, kind=kind, givers=givers,
                           values=values, errors=errors)


@bp.route("/consents/<int:consent_id>/revoke", methods=["POST"])
@roles_required(*ADMIN)
def consent_revoke(consent_id: int):
    consent = get_or_deny(current_actor(), "registry.write", m.Consent, consent_id)
    subject = consent.subject_student or consent.subject_parent
    require(current_actor(), "registry.write", subject, object_type="consent", object_id=consent_id)
    try:
        with database.atomic():
            people.revoke_consent(consent, request.form.get("note", "").strip()[:500], current_actor().id)
    except people.RegistryConflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("Согласие отозвано. Данные больше не показываются через электронную услугу."), "success")
    kind = "student" if consent.subject_student_id else "parent"
    return back_to(kind, subject.id)


# --- classes --------------------------------------------------------------------


@bp.route("/classes", methods=["GET", "POST"])
@roles_required(*ADMIN)
def classes():
    actor = current_actor()
    require(actor, "registry.read", None)
    school = my_school()
    year = request.values.get("year", academic_year(), type=int)
    errors = {}
    if request.method == "POST":
        require(actor, "registry.write", school, object_type="school", object_id=school.id)
        data, errors = load_form(ClassSchema, ("name", "class_teacher"))
        if not errors:
            try:
                with database.atomic():
                    created = organisations.create_class(school.id, *data["name"], data["class_teacher"], year)
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                flash(_("Класс %(name)s добавлен.", name=created.name), "success")
                return redirect(url_for("registries.classes", year=year))
    counts = dict(m.Student.select(m.Student.school_class, peewee.fn.COUNT(m.Student.id))
                  .where((m.Student.school == school.id) & (m.Student.status == "enrolled"))
                  .group_by(m.Student.school_class).tuples())
    rows = list(m.SchoolClass.select(m.SchoolClass, m.Staff).join(m.Staff, peewee.JOIN.LEFT_OUTER)
                .where((m.SchoolClass.school == school.id) & (m.SchoolClass.year == year))
                .order_by(m.SchoolClass.grade, m.SchoolClass.letter))
    teachers = [(t.id, t.full_name) for t in organisations.teachers_of(school.id)]
    return render_template("registries/classes.html", rows=rows, counts=counts, year=year, errors=errors,
                           values=dict(request.form), teachers=teachers)


@bp.route("/classes/<int:class_id>/teacher", methods=["POST"])
@roles_required(*ADMIN)
def class_teacher(class_id: int):
    """Set (or clear) the class teacher of one of the school's classes."""
    school_class = get_or_deny(current_actor(), "registry.write", m.SchoolClass, class_id)
    require(current_actor(), "registry.write", school_class, object_type="school_class", object_id=class_id)
    raw = request.form.get("class_teacher", "").strip()
    teacher_id = int(raw) if raw.isdigit() else None
    if raw and teacher_id is None:
        flash(_("Выберите классного руководителя из учителей школы."), "error")
    else:
        try:
            with database.atomic():
                changed = organisations.set_class_teacher(school_class, teacher_id)
        except people.RegistryConflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("Классный руководитель %(name)s сохранён.", name=school_class.name) if changed
                  else _("Изменений нет."), "success")
    return redirect(url_for("registries.classes", year=school_class.year))
