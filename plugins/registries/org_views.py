"""Pages for organisations and staff accounts, on the registries blueprint.

The region operator keeps municipalities and schools and creates municipal
and school admin accounts; a municipality account sees its schools and creates
their school admins; a school admin keeps the school's teachers and deputies.
Every decision goes through the plugin's ``org.*`` / ``staff.*`` policy.
"""

from __future__ import annotations

from typing import Any

import peewee
from flask import abort, current_app, flash, redirect, render_template, request, url_for

from core.api import (
    User,
    _,
    audit,
    current_actor,
    database,
    get_or_deny,
    lazy_gettext,
    require,
    roles_required,
    scope,
)
from plugins.registries import home, organisations, people
from plugins.registries import models as m
from plugins.registries.schemas import MunicipalitySchema, SchoolSchema, StaffSchema
from plugins.registries.views import bp, load_form

OPERATOR = ("operator",)
ORG_READERS = ("operator", "municipality")
STAFF_KEEPERS = ("school_admin", "municipality", "operator")  # edit and block the accounts one level down
ROLE_LABELS = {
    "teacher": lazy_gettext("учитель"),
    "deputy": lazy_gettext("заместитель директора"),
    "school_admin": lazy_gettext("администратор школы"),
    "municipality": lazy_gettext("специалист муниципалитета"),
    "operator": lazy_gettext("оператор региона"),
}
MUNICIPALITY_FORM = ("code", "name")
SCHOOL_FORM = ("code", "name", "short_name", "address", "phone", "email", "website", "service_contact",
               "municipality")
STAFF_FORM = ("last_name", "first_name", "middle_name", "position")


@bp.app_context_processor
def role_labels() -> dict[str, Any]:
    return {"STAFF_ROLE_LABELS": ROLE_LABELS}


ISSUE_LOGIN_ENDPOINT = "auth_local.issue_staff"  # documented in docs/plugins/auth_local.md


@bp.app_context_processor
def staff_login_issuing() -> dict[str, Any]:
    """Whether the region's login plugin offers a page that issues an employee's login (a button per row)."""
    return {"issue_login_endpoint": ISSUE_LOGIN_ENDPOINT if ISSUE_LOGIN_ENDPOINT in current_app.view_functions
            else None}


def flash_login_hint(user: User) -> None:
    """Tell the creator how the new employee logs in."""
    if ISSUE_LOGIN_ENDPOINT in current_app.view_functions:
        flash(_("Учётная запись №%(id)s создана. Выдайте сотруднику логин и временный пароль кнопкой "
                "«Выдать логин и пароль» в списке.", id=user.id), "success")
    else:
        flash(_("Учётная запись №%(id)s создана. В регионе не включён вход по логину и паролю: "
                "сотрудник сможет войти, когда оператор включит подходящий способ входа.", id=user.id), "success")


def staff_rows(condition: Any) -> list[tuple[m.Staff, User]]:
    rows = (m.Staff.select(m.Staff, User).join(User).where(condition)
            .order_by(m.Staff.last_name, m.Staff.first_name, m.Staff.id))
    return [(s, s.user) for s in rows]


def municipality_choices() -> list[tuple[int, str]]:
    return [(mu.id, f"{mu.code} — {mu.name}") for mu in m.Municipality.select().order_by(m.Municipality.code)]


# --- municipalities (region operator) ---------------------------------------------------------------


@bp.route("/municipalities")
@roles_required(*OPERATOR)
def municipalities():
    actor = current_actor()
    require(actor, "org.read", None)
    rows = list(m.Municipality.select().where(scope(actor, "org.read", m.Municipality))
                .order_by(m.Municipality.code))
    schools = dict(m.School.select(m.School.municipality, peewee.fn.COUNT(m.School.id))
                   .group_by(m.School.municipality).tuples())
    staff: dict[int, list] = {}
    for s, user in staff_rows(m.Staff.municipality.is_null(False)):
        staff.setdefault(s.municipality_id, []).append((s, user))
    audit("municipality.list", "region", "", details={"count": len(rows)})
    return render_template("registries/municipalities.html", rows=rows, schools=schools, staff=staff,
                           writable=writable_staff(actor))


def municipality_form(municipality: m.Municipality | None):
    actor = current_actor()
    require(actor, "org.write", municipality, object_type="municipality",
            object_id=municipality.id if municipality else "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = dict(request.form)
        data, errors = load_form(MunicipalitySchema, MUNICIPALITY_FORM)
        if not errors:
            try:
                with database.atomic():
                    if municipality is None:
                        organisations.create_municipality(data)
                        flash(_("Муниципалитет добавлен."), "success")
                    else:
                        changes = organisations.update_municipality(municipality, data)
                        flash(_("Изменения сохранены.") if changes else _("Изменений нет."), "success")
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                return redirect(url_for("registries.municipalities"))
    else:
        values = {"code": municipality.code, "name": municipality.name} if municipality else {}
    return render_template("registries/municipality_form.html", municipality=municipality, values=values,
                           errors=errors)


@bp.route("/municipalities/new", methods=["GET", "POST"])
@roles_required(*OPERATOR)
def municipality_new():
    return municipality_form(None)


@bp.route("/municipalities/<int:municipality_id>/edit", methods=["GET", "POST"])
@roles_required(*OPERATOR)
def municipality_edit(municipality_id: int):
    return municipality_form(get_or_deny(current_actor(), "org.write", m.Municipality, municipality_id))


# --- schools (region operator; the municipality reads its own) -------------------------------------


@bp.route("/schools")
@roles_required(*ORG_READERS)
def schools():
    actor = current_actor()
    require(actor, "org.read", None)
    query = (m.School.select(m.School, m.Municipality).join(m.Municipality)
             .where(scope(actor, "org.read", m.School)))
    municipality_id = request.args.get("municipality", type=int)
    if municipality_id:
        query = query.where(m.School.municipality == municipality_id)
    rows = list(query.order_by(m.Municipality.code, m.School.code))
    audit("school.list", "municipality", municipality_id or "", details={"count": len(rows)})
    return render_template("registries/schools.html", rows=rows, municipality_id=municipality_id,
                           municipalities=municipality_choices() if actor.role == "operator" else [],
                           can_write=actor.role == "operator")


@bp.route("/schools/<int:school_id>")
@roles_required(*ORG_READERS)
def school(school_id: int):
    actor = current_actor()
    found = get_or_deny(actor, "org.read", m.School, school_id)
    require(actor, "org.read", found, object_type="school", object_id=school_id)
    admins = staff_rows((m.Staff.school == found.id) & (User.role == "school_admin"))
    audit("school.read", "school", found.id)
    return render_template("registries/school.html", school=found, admins=admins, writable=writable_staff(actor),
                           can_write=actor.role == "operator")


def school_form(found: m.School | None):
    actor = current_actor()
    require(actor, "org.write", found, object_type="school", object_id=found.id if found else "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = dict(request.form)
        data, errors = load_form(SchoolSchema, SCHOOL_FORM)
        if not errors:
            try:
                with database.atomic():
                    if found is None:
                        saved = organisations.create_school(data)
                        flash(_("Школа добавлена."), "success")
                    else:
                        saved = found
                        changes = organisations.update_school(found, data)
                        flash(_("Изменения сохранены.") if changes else _("Изменений нет."), "success")
            except people.RegistryConflict as exc:
                errors = {exc.field: exc.message}
            else:
                return redirect(url_for("registries.school", school_id=saved.id))
    elif found is not None:
        values = {k: getattr(found, k) for k in SCHOOL_FORM if k != "municipality"}
        values["municipality"] = found.municipality_id
    else:
        values = {"municipality": request.args.get("municipality", "")}
    return render_template("registries/school_form.html", school=found, values=values, errors=errors,
                           municipalities=municipality_choices())


@bp.route("/schools/new", methods=["GET", "POST"])
@roles_required(*OPERATOR)
def school_new():
    return school_form(None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@roles_required(*OPERATOR)
def school_edit(school_id: int):
    return school_form(get_or_deny(current_actor(), "org.write", m.School, school_id))


# --- creating staff accounts -------------------------------------------------------------------------


def staff_create_form(role: str, place: m.School | m.Municipality, back: str):
    """The form creating one staff account of ``role`` at ``place`` (a school or a municipality)."""
    actor = current_actor()
    object_type = "school" if isinstance(place, m.School) else "municipality"
    require(actor, f"staff.create.{role}", place, object_type=object_type, object_id=place.id)
    errors: dict[str, str] = {}
    values = dict(request.form)
    if request.method == "POST":
        data, errors = load_form(StaffSchema, STAFF_FORM)
        if not errors:
            with database.atomic():
                staff = organisations.create_staff(
                    role, data, school=place if object_type == "school" else None,
                    municipality=place if object_type == "municipality" else None)
            flash_login_hint(staff.user)
            return redirect(back)
    return render_template("registries/staff_form.html", staff=None, place=place, role=role, roles=None,
                           values=values, errors=errors, back=back)


@bp.route("/schools/<int:school_id>/admins/new", methods=["GET", "POST"])
@roles_required(*ORG_READERS)
def school_admin_new(school_id: int):
    """A school admin account for a school: by the operator, or by the school's municipality."""
    found = m.School.get_or_none(m.School.id == school_id)
    if found is None:
        abort(404)
    return staff_create_form("school_admin", found, url_for("registries.school", school_id=found.id))


@bp.route("/municipalities/<int:municipality_id>/staff/new", methods=["GET", "POST"])
@roles_required(*OPERATOR)
def municipality_staff_new(municipality_id: int):
    found = get_or_deny(current_actor(), "org.write", m.Municipality, municipality_id)
    return staff_create_form("municipality", found, url_for("registries.municipalities"))


# --- the school admin's staff: teachers and deputies -----------------------------------------------


def admins_school() -> m.School:
    staff = m.Staff.get_or_none(m.Staff.user == current_actor().id)
    if staff is None or staff.school_id is None:
        audit("staff.read", "user", current_actor().id, result="denied",
              details={"reason": "no staff record with a school"})
        abort(403)
    return staff.school


@bp.route("/staff")
@roles_required("school_admin")
def staff_list():
    actor = current_actor()
    require(actor, "staff.read", None)
    found = admins_school()
    rows = staff_rows(scope(actor, "staff.read", m.Staff))
    writable = writable_staff(actor)
    audit("staff.list", "school", found.id, details={"count": len(rows)})
    return render_template("registries/staff.html", rows=rows, writable=writable, school=found)


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required("school_admin")
def staff_new():
    actor = current_actor()
    found = admins_school()
    role = request.form.get("role", "teacher")
    if role not in ("teacher", "deputy"):
        role = "teacher"
    require(actor, f"staff.create.{role}", found, object_type="school", object_id=found.id)
    errors: dict[str, str] = {}
    values = dict(request.form) or {"role": "teacher"}
    if request.method == "POST":
        data, errors = load_form(StaffSchema, STAFF_FORM + ("role",))
        if not errors and data["role"] not in ("teacher", "deputy"):
            errors["role"] = _("Выберите роль из списка.")
        if not errors:
            with database.atomic():
                staff = organisations.create_staff(data["role"], data, school=found)
            flash_login_hint(staff.user)
            return redirect(url_for("registries.staff_list"))
    roles = [(r, ROLE_LABELS[r]) for r in ("teacher", "deputy")]
    return render_template("registries/staff_form.html", staff=None, place=found, role=None, roles=roles,
                           values=values, errors=errors, back=url_for("registries.staff_list"))


def writable_staff(actor: Any) -> set[int]:
    """Ids of the staff rows the actor may edit and block (the ``staff.write`` scope)."""
    return {s.id for s in m.Staff.select(m.Staff.id).where(scope(actor, "staff.write", m.Staff))}


def staff_back(staff: m.Staff) -> str:
    """Where an edit or a block returns to: the page the actor keeps this account from."""
    if current_actor().role == "school_admin":
        return url_for("registries.staff_list")
    if staff.school_id is not None:
        return url_for("registries.school", school_id=staff.school_id)
    return url_for("registries.municipalities")


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_KEEPERS)
def staff_edit(staff_id: int):
    actor = current_actor()
    staff = get_or_deny(actor, "staff.write", m.Staff, staff_id)
    require(actor, "staff.write", staff, object_type="staff", object_id=staff_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = dict(request.form)
        data, errors = load_form(StaffSchema, STAFF_FORM)
        if not errors:
            with database.atomic():
                changes = organisations.update_staff(staff, data)
            flash(_("Изменения сохранены.") if changes else _("Изменений нет."), "success")
            return redirect(staff_back(staff))
    else:
        values = {k: getattr(staff, k) for k in STAFF_FORM}
    return render_template("registries/staff_form.html", staff=staff, place=staff.school or staff.municipality,
                           role=None, roles=None, values=values, errors=errors, back=staff_back(staff))


@bp.route("/staff/<int:staff_id>/block", methods=["GET"])
@roles_required(*STAFF_KEEPERS)
def staff_block_confirm(staff_id: int):
    """The confirmation step before blocking: whose account, what happens, a reason; nothing changes yet."""
    actor = current_actor()
    staff = get_or_deny(actor, "staff.write", m.Staff, staff_id)
    require(actor, "staff.write", staff, object_type="staff", object_id=staff_id)
    if staff.user_id is None:
        abort(404)
    user = User.get_by_id(staff.user_id)
    if user.is_blocked:
        return redirect(staff_back(staff))
    return render_template("registries/staff_block.html", staff=staff, user=user, back=staff_back(staff),
                           place=staff.school or staff.municipality)


@bp.route("/staff/<int:staff_id>/<any(block, unblock):what>", methods=["POST"])
@roles_required(*STAFF_KEEPERS)
def staff_block(staff_id: int, what: str):
    actor = current_actor()
    staff = get_or_deny(actor, "staff.write", m.Staff, staff_id)
    require(actor, "staff.write", staff, object_type="staff", object_id=staff_id)
    if staff.user_id is None:
        abort(404)
    user = User.get_by_id(staff.user_id)
    with database.atomic():
        if what == "block" and not user.is_blocked:
            people.block(user, request.form.get("reason", "").strip()[:300] or f"blocked by the {actor.role}")
            flash(_("Учётная запись %(name)s заблокирована; её сеансы завершены.", name=staff.full_name), "success")
        elif what == "unblock" and user.is_blocked:
            people.unblock(user)
            flash(_("Учётная запись %(name)s разблокирована.", name=staff.full_name), "success")
    return redirect(staff_back(staff))


bp.app_context_processor(home.context)  # the header's place and the school admin's home page by task
