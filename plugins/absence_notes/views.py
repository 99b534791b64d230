"""Pages of absence notes: the parent's form and list, the class teacher's list, a notice, the decision.

Lists go through ``scope(actor, "absence_note.read", AbsenceNote)`` and a
notice is opened through ``get_or_deny``, so an id typed into a URL reaches
only what the actor's list shows. Every read and every change is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from marshmallow import ValidationError

from core.api import (
    User,
    _,
    audit,
    can,
    current_actor,
    database,
    get_or_deny,
    login_required,
    region_today,
    require,
    roles_required,
    scope,
    service,
    settings,
    utcnow,
)
from plugins.absence_notes.models import REASONS, AbsenceNote
from plugins.absence_notes.schemas import NoteForm, RejectForm

bp = Blueprint("absence_notes", __name__, template_folder="templates", url_prefix="/absence-notes")

FORM_FIELDS = ("student_id", "starts_on", "ends_on", "reason", "comment")
# extension → (content type, how the file starts): the file must really be what its name says
FILE_TYPES = {
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "pdf": ("application/pdf", b"%PDF-"),
}
RECENT_DAYS = 60


def reg() -> Any:
    return service("registries")


def conf() -> dict[str, Any]:
    return settings("absence_notes")


def today() -> dt.date:
    return region_today()


def files_dir() -> Path:
    return Path(current_app.instance_path) / "absence_notes"


def sendable_children(actor: Any) -> list[Any]:
    """The children this parent may send a notice for (the form's choices)."""
    return [child for child in reg().children_of(actor.user) if can(actor, "absence_note.create", child)]


def people_of(notes: list[AbsenceNote]) -> dict[str, dict[int, Any]]:
    """Students and classes named by ``notes``, by id, for the templates."""
    return {
        "students": reg().students(n.student_id for n in notes),
        "classes": reg().classes(n.class_id for n in notes if n.class_id),
    }


# --- lists --------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    actor = current_actor()
    require(actor, "absence_note.list", object_type="absence_note")
    visible = AbsenceNote.select().where(scope(actor, "absence_note.read", AbsenceNote))
    newest = (AbsenceNote.created_at.desc(), AbsenceNote.id.desc())
    if actor.role == "parent":
        pending, recent = [], list(visible.order_by(*newest).limit(200))
    else:
        pending = list(visible.where(AbsenceNote.status == "pending")
                       .order_by(AbsenceNote.starts_on, AbsenceNote.id).limit(500))
        since = utcnow() - dt.timedelta(days=RECENT_DAYS)
        recent = list(visible.where((AbsenceNote.status != "pending") & (AbsenceNote.created_at >= since))
                      .order_by(*newest).limit(200))
    audit("absence_note.list", "absence_note", "", details={"shown": [n.id for n in pending + recent]})
    return render_template("absence_notes/index.html", pending=pending, recent=recent,
                           is_parent=actor.role == "parent", **people_of(pending + recent))


# --- the parent's form --------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@roles_required("parent")
def new():
    actor = current_actor()
    children = sendable_children(actor)
    errors: dict[str, str] = {}
    values = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    if request.method == "POST":
        student_id, student = request.form.get("student_id", type=int), None
        if student_id is not None:
            student = reg().students([student_id]).get(student_id)
            require(actor, "absence_note.create", student, object_type="student", object_id=student_id)
        note_data, errors = _check_form(values, student)
        upload, file_error = _check_upload()
        if file_error:
            errors["attachment"] = file_error
        if not errors:
            note = _create(actor, student, note_data, upload)
            audit("absence_note.create", "absence_note", note.id,
                  details={"student_id": note.student_id, "starts_on": note.starts_on, "ends_on": note.ends_on,
                           "reason": note.reason, "attachment": bool(note.file_stored)})
            flash(_("Сообщение об отсутствии отправлено классному руководителю."), "success")
            return redirect(url_for(".index"))
        flash(_("Сообщение не отправлено: исправьте отмеченные поля."), "error")
    elif len(children) == 1:
        values["student_id"] = str(children[0].id)
    return render_template("absence_notes/new.html", children=children, errors=errors, values=values,
                           reasons=REASONS, max_mb=conf()["attachment_max_mb"], max_days=conf()["max_days"])


def _check_form(values: dict[str, str], student: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields loaded, or Russian messages per field."""
    data = {k: v for k, v in values.items() if v or k == "comment"}
    form = NoteForm(today=today(), max_days=conf()["max_days"], max_days_back=conf()["max_days_back"],
                    max_days_ahead=conf()["max_days_ahead"])
    try:
        loaded = form.load(data)
    except ValidationError as exc:
        return {}, {k: (v[0] if isinstance(v, list) else str(v)) for k, v in exc.messages.items()}
    if student.school_class_id is None:
        return {}, {"student_id": _("У ребёнка в реестре школы не указан класс: обратитесь к администратору школы.")}
    return loaded, {}


def _check_upload() -> tuple[tuple[str, str, bytes] | None, str]:
    """``((original name, extension, content), "")`` for a good file, ``(None, message)`` for a bad one."""
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None, ""
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FILE_TYPES:
        return None, _("Приложите файл PNG, JPG или PDF.")
    max_mb = conf()["attachment_max_mb"]
    content = upload.read(max_mb * 1024 * 1024 + 1)
    if len(content) > max_mb * 1024 * 1024:
        return None, _("Файл больше %(n)s МБ.", n=max_mb)
    if not content.startswith(FILE_TYPES[ext][1]):
        return None, _("Файл не похож на %(t)s: приложите фото или скан справки.", t=ext.upper())
    return (name, ext, content), ""


def _create(actor: Any, student: Any, data: dict[str, Any], upload: tuple[str, str, bytes] | None) -> AbsenceNote:
    with database.atomic():
        note = AbsenceNote.create(
            student_id=student.id, school_id=student.school_id, class_id=student.school_class_id,
            parent_user_id=actor.id, starts_on=data["starts_on"], ends_on=data["ends_on"], reason=data["reason"],
            comment=data["comment"].strip())
        if upload is not None:
            name, ext, content = upload
            folder = files_dir()
            folder.mkdir(parents=True, exist_ok=True)
            note.file_stored, note.file_name, note.file_type = f"{uuid.uuid4().hex}.{ext}", name, FILE_TYPES[ext][0]
            (folder / note.file_stored).write_bytes(content)
            note.save()
    return note


# --- one notice ---------------------------------------------------------------------------------


def _note(note_id: int) -> AbsenceNote:
    return get_or_deny(current_actor(), "absence_note.read", AbsenceNote, note_id)


@bp.route("/<int:note_id>")
@login_required
def detail(note_id: int):
    return _render_detail(_note(note_id))


def _render_detail(note: AbsenceNote, errors: dict[str, str] | None = None, values: dict[str, str] | None = None):
    actor = current_actor()
    student = reg().students([note.student_id])[note.student_id]
    gradebook = service("gradebook")
    lessons = gradebook.lessons_of_student(student, note.starts_on, note.ends_on)
    audit("absence_note.read", "absence_note", note.id, details={"student_id": note.student_id})
    return render_template(
        "absence_notes/detail.html", note=note, student=student, lessons=lessons,
        codes=gradebook.attendance_codes(note.school_id), errors=errors or {}, values=values or {},
        school_class=reg().classes([note.class_id]).get(note.class_id) if note.class_id else None,
        sender=_user_name(note.parent_user_id), decider=_user_name(note.decided_by),
        may_decide=note.status == "pending" and can(actor, "absence_note.decide", note),
        may_withdraw=note.status == "pending" and can(actor, "absence_note.withdraw", note))


def _user_name(user_id: int | None) -> str:
    user = User.get_or_none(User.id == user_id) if user_id else None
    return user.display_name if user else ""


@bp.route("/<int:note_id>/file")
@login_required
def attachment(note_id: int):
    note = _note(note_id)
    path = files_dir() / note.file_stored if note.file_stored else None
    if path is None or not path.is_file():
        abort(404)
    audit("absence_note.file", "absence_note", note.id, details={"student_id": note.student_id})
    # images open in the browser; a PDF is downloaded rather than rendered inside the site's origin
    return send_file(path, mimetype=note.file_type, as_attachment=note.file_type == "application/pdf",
                     download_name=note.file_name or path.name)


# --- decisions ----------------------------------------------------------------------------------


def _decidable(note_id: int, action: str) -> AbsenceNote | None:
    """The notice, if the actor may ``action`` it and it still waits; else a message and None."""
    actor = current_actor()
    note = _note(note_id)
    require(actor, action, note, object_type="absence_note", object_id=note.id)
    if note.status != "pending":
        audit(action, "absence_note", note.id, result="refused", details={"status": note.status})
        flash(_("По этому сообщению уже есть решение («%(s)s»), изменить его нельзя.", s=note.status_label), "error")
        return None
    return note


def _claim(note: AbsenceNote, **changes: Any) -> bool:
    """Move a pending notice to its decision; False when someone decided it first."""
    return AbsenceNote.update(**changes).where(
        (AbsenceNote.id == note.id) & (AbsenceNote.status == "pending")).execute() == 1


def _already_decided(note: AbsenceNote, action: str):
    audit(action, "absence_note", note.id, result="refused", details={"status": "decided meanwhile"})
    flash(_("По этому сообщению уже есть решение, изменить его нельзя."), "error")
    return redirect(url_for(".detail", note_id=note.id))


def excusable(code: str, codes: dict[str, dict[str, Any]]) -> bool:
    """Whether acceptance replaces this attendance code: empty, or an absence without an excuse («Н»)."""
    if not code:
        return True
    known = codes.get(code)
    return bool(known and known["is_absence"] and not known["is_excused"])


@bp.route("/<int:note_id>/accept", methods=["POST"])
@roles_required("teacher")
def accept(note_id: int):
    actor = current_actor()
    note = _decidable(note_id, "absence_note.decide")
    if note is None:
        return redirect(url_for(".detail", note_id=note_id))
    code = conf()["illness_code"] if note.reason == "illness" else conf()["excused_code"]
    gradebook = service("gradebook")
    codes = gradebook.attendance_codes(note.school_id)
    if code not in codes:
        audit("absence_note.decide", "absence_note", note.id, result="failed", details={"missing_code": code})
        flash(_("Сообщение не принято: в журнале школы нет кода посещаемости «%(c)s». Попросите администратора "
                "школы добавить этот код в настройках журнала.", c=code), "error")
        return redirect(url_for(".detail", note_id=note.id))
    student = reg().students([note.student_id])[note.student_id]
    changed, closed = 0, 0
    with database.atomic():
        claimed = _claim(note, status="accepted", decided_by=actor.id, decided_at=utcnow())
        if claimed:
            for lesson in gradebook.lessons_of_student(student, note.starts_on, note.ends_on):
                if not excusable(lesson.attendance, codes):
                    continue
                if gradebook.set_attendance(lesson.lesson_id, student.id, code, actor.id):
                    changed += 1
                else:
                    closed += 1
            AbsenceNote.update(lessons_changed=changed).where(AbsenceNote.id == note.id).execute()
    if not claimed:
        return _already_decided(note, "absence_note.decide")
    audit("absence_note.accept", "absence_note", note.id,
          details={"student_id": student.id, "code": code, "lessons_changed": changed, "closed_year": closed})
    flash(_("Сообщение принято. Код «%(c)s» поставлен в журнал, изменено уроков: %(n)s.", c=code, n=changed),
          "success")
    if closed:
        flash(_("Уроков в закрытом учебном году не изменено: %(n)s.", n=closed), "warning")
    return redirect(url_for(".detail", note_id=note.id))


@bp.route("/<int:note_id>/reject", methods=["POST"])
@roles_required("teacher")
def reject(note_id: int):
    actor = current_actor()
    note = _decidable(note_id, "absence_note.decide")
    if note is None:
        return redirect(url_for(".detail", note_id=note_id))
    values = {"decision_note": request.form.get("decision_note", "").strip()}
    try:
        loaded = RejectForm().load({k: v for k, v in values.items() if v})
    except ValidationError as exc:
        errors = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in exc.messages.items()}
        flash(_("Сообщение не отклонено: укажите причину."), "error")
        return _render_detail(note, errors, values)
    with database.atomic():
        claimed = _claim(note, status="rejected", decided_by=actor.id, decided_at=utcnow(),
                         decision_note=loaded["decision_note"])
    if not claimed:
        return _already_decided(note, "absence_note.decide")
    audit("absence_note.reject", "absence_note", note.id, details={"student_id": note.student_id})
    flash(_("Сообщение отклонено. Родитель увидит причину."), "success")
    return redirect(url_for(".detail", note_id=note.id))


@bp.route("/<int:note_id>/withdraw", methods=["POST"])
@roles_required("parent")
def withdraw(note_id: int):
    note = _decidable(note_id, "absence_note.withdraw")
    if note is None:
        return redirect(url_for(".index"))
    stored = note.file_stored
    with database.atomic():
        claimed = _claim(note, status="withdrawn", decided_by=current_actor().id, decided_at=utcnow(),
                         file_stored="")
    if not claimed:
        return _already_decided(note, "absence_note.withdraw")
    if stored:
        # a withdrawn notice keeps no medical document
        (files_dir() / stored).unlink(missing_ok=True)
    audit("absence_note.withdraw", "absence_note", note.id, details={"student_id": note.student_id})
    flash(_("Сообщение отозвано."), "success")
    return redirect(url_for(".index"))
