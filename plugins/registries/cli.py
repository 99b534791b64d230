"""``eschool registries …``: import and export files, and set up organisations and staff accounts."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.api import User, _, audit, database
from plugins.registries import exporter
from plugins.registries import models as m
from plugins.registries.importer import Importer
from plugins.registries.tabular import FileError, read_file


@click.group("registries", cls=AppGroup)
def registries_group():
    """Registries of students, parents, links and consents."""


def school_by_code(code: str) -> m.School:
    school = m.School.get_or_none(m.School.code == code)
    if school is None:
        raise click.ClickException(f"no school with code {code!r} (see: eschool registries schools)")
    return school


@registries_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_code", required=True, help="Code of the school the rows belong to.")
@click.option("--valid-only", is_flag=True, help="Write the valid rows even if some rows are bad.")
@click.option("--confirm-identity", is_flag=True,
              help="Allow rows that change a registered person's surname, first name, birth date or SNILS.")
@click.option("--create-classes", is_flag=True, help="Create the classes the file names that the school lacks.")
def import_command(files: tuple[Path, ...], school_code: str, valid_only: bool, confirm_identity: bool,
                   create_classes: bool):
    """Import students, parents and links from CSV/XLSX FILES into one school, all or nothing.

    Every row is checked first; with any bad row nothing is written (exit code 1)
    unless --valid-only is given. Rows that change who a registered person is,
    and classes that do not exist, are listed and nothing is written unless
    --confirm-identity / --create-classes allow them.
    """
    with database.connection_context():
        school = school_by_code(school_code)
        try:
            sheets = [sheet for path in files for sheet in read_file(path.name, path)]
            total = sum(s.count for s in sheets)
            with click.progressbar(length=total, label=_("Импорт"), file=sys.stderr) as bar:
                report = Importer(school, valid_only=valid_only, progress=bar.update,
                                  confirm_identity=confirm_identity, confirm_classes=create_classes).run(sheets)
        except FileError as exc:
            raise click.ClickException(str(exc)) from None
    for error in report.errors:
        click.echo(_("%(sheet)s: строка %(row)s, столбец «%(column)s»: %(message)s", sheet=error.sheet,
                     row=error.row, column=error.column, message=error.message), err=True)
    if report.error_count > len(report.errors):
        click.echo(_("… и ещё ошибок: %(n)s", n=report.error_count - len(report.errors)), err=True)
    for change in report.identity:
        old = "; ".join(f"{k}: {v}" for k, v in change.old.items())
        new = "; ".join(f"{k}: {v}" for k, v in change.new.items())
        click.echo(_("%(sheet)s: строка %(row)s: меняются данные человека из реестра: %(old)s → %(new)s "
                     "(разрешить: --confirm-identity)", sheet=change.sheet, row=change.row, old=old, new=new),
                   err=True)
    for name, rows in sorted(report.new_classes.items()):
        click.echo(_("класса «%(name)s» в школе нет (строк: %(rows)s; создать: --create-classes)",
                     name=name, rows=rows), err=True)
    if report.batch_id is not None:
        Importer.cancel(school, report.batch_id, None)
    if report.file_error:
        raise click.ClickException(report.file_error)
    if not report.applied:
        click.echo(_("Ничего не записано: ошибок — %(errors)s, требуют подтверждения — %(confirm)s. Исправьте "
                     "файл или запустите с --valid-only / --confirm-identity / --create-classes.",
                     errors=report.error_count, confirm=report.identity_count + len(report.new_classes)), err=True)
        sys.exit(1)
    for kind in ("students", "parents", "links"):
        click.echo(f"{kind}: created {report.created[kind]}, updated {report.updated[kind]}, "
                   f"unchanged {report.unchanged[kind]}")
    if report.skipped_rows:
        click.echo(f"skipped bad rows: {report.skipped_rows}")


@registries_group.command("export")
@click.option("--school", "school_code", required=True, help="Code of the school.")
@click.option("--kind", type=click.Choice(["students", "parents", "links", "all"]), default="all")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(school_code: str, kind: str, fmt: str, output: Path):
    """Export a school's registries (formulas neutralised) in the import format."""
    if kind == "all" and fmt == "csv":
        raise click.ClickException("CSV holds one kind: choose --kind students, parents or links")
    with database.connection_context():
        school = school_by_code(school_code)
        output.write_bytes(exporter.export(school.id, kind, fmt))
        audit("registry.export", "school", school.id, details={"kind": kind, "format": fmt, "via": "cli"})
    click.echo(f"written {output}")


@registries_group.command("add-municipality")
@click.argument("code")
@click.argument("name")
def add_municipality(code: str, name: str):
    """Add a municipality of the region."""
    with database.connection_context(), database.atomic():
        created = m.Municipality.create(code=code, name=name)
        audit("municipality.create", "municipality", created.id, details={"old": None, "new": {"code": code,
                                                                                              "name": name}})
    click.echo(f"municipality {code} added")


@registries_group.command("add-school")
@click.argument("code")
@click.argument("name")
@click.option("--municipality", "municipality_code", required=True)
@click.option("--short-name", default="")
def add_school(code: str, name: str, municipality_code: str, short_name: str):
    """Add a school to a municipality."""
    with database.connection_context(), database.atomic():
        municipality = m.Municipality.get_or_none(m.Municipality.code == municipality_code)
        if municipality is None:
            raise click.ClickException(f"no municipality with code {municipality_code!r}")
        created = m.School.create(municipality=municipality.id, code=code, name=name, short_name=short_name or name)
        audit("school.create", "school", created.id, details={"old": None, "new": {"code": code, "name": name}})
    click.echo(f"school {code} added")


@registries_group.command("add-staff")
@click.argument("role", type=click.Choice(m.STAFF_ROLES))
@click.argument("last_name")
@click.argument("first_name")
@click.option("--middle-name", default="")
@click.option("--school", "school_code", help="For teacher, deputy, school_admin.")
@click.option("--municipality", "municipality_code", help="For municipality staff.")
@click.option("--position", default="")
def add_staff(role, last_name, first_name, middle_name, school_code, municipality_code, position):
    """Add a staff member with a user account scoped to a school or a municipality."""
    with database.connection_context(), database.atomic():
        school = municipality = None
        if role in m.SCHOOL_STAFF_ROLES:
            if not school_code:
                raise click.ClickException(f"{role} needs --school")
            school = school_by_code(school_code)
        elif role == "municipality":
            municipality = m.Municipality.get_or_none(m.Municipality.code == (municipality_code or ""))
            if municipality is None:
                raise click.ClickException("municipality staff needs --municipality with an existing code")
        staff = m.Staff(last_name=last_name, first_name=first_name, middle_name=middle_name, position=position,
                        school=school, municipality=municipality)
        user = User.create(display_name=staff.full_name, role=role)
        staff.user = user
        staff.save()
        audit("staff.create", "staff", staff.id, details={"old": None, "new": {
            "role": role, "user": user.id, "school": school_code, "municipality": municipality_code}})
    click.echo(f"staff {staff.id} with user {user.id} ({role}) added")


@registries_group.command("schools")
def schools_command():
    """List municipalities and schools with their codes."""
    with database.connection_context():
        for school in m.School.select(m.School, m.Municipality).join(m.Municipality).order_by(m.School.code):
            click.echo(f"{school.municipality.code}\t{school.code}\t{school.short_name}")
