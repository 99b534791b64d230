"""Where a staff member is, and the school admin's home page by task (issue 16, item 5).

Two values for the core's page templates, given through a context processor of the registries blueprint
(the core knows no school):

- ``header_place``: the names the header shows next to the person — their school and its municipality, or
  the municipality of a municipal specialist;
- ``home_sections``: the school admin's home page in the order of the work — the preparation steps with their
  readiness first, then people, the journal, reports. Each section names the navigation entries it holds by
  endpoint; the core's ``index.html`` puts every other entry under «Ещё», and an entry of a plugin the region
  did not enable is simply absent.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from core.api import Param, current_actor, lazy_gettext, prepared
from plugins.registries import models as m
from plugins.registries.service import RegistryService, staff_row

service = RegistryService()

STAFF_ROLES = ("teacher", "deputy", "school_admin", "municipality")
SECTIONS = (
    (lazy_gettext("Подготовка к услуге"), True,
     ("registries.readiness", "registries.import_page", "infographic.checklist", "infographic.page")),
    (lazy_gettext("Люди"), False,
     ("registries.students", "registries.parents", "registries.classes", "registries.staff_list",
      "auth_local.classes")),
    (lazy_gettext("Журнал"), False,
     ("gradebook.journal_index", "gradebook.progress_index", "gradebook.admin_index", "gradebook.journal_archive",
      "absence_notes.index")),
    (lazy_gettext("Отчёты"), False,
     ("gradebook.timeliness_school", "gradebook.attainment_school", "core.audit_log")),
)


def header_place(actor: Any) -> list[str]:
    """The school (short name) and the municipality of a staff member; [] for anyone else."""
    if not actor.is_authenticated or actor.role not in STAFF_ROLES:
        return []
    staff = staff_row(actor.user)
    if staff is None:
        return []
    if staff.school_id is not None:
        found = _school_and_municipality.first(school=staff.school_id)
        return list(found) if found else []
    if staff.municipality_id is not None:
        found = _municipality_name.first(municipality=staff.municipality_id)
        return list(found) if found else []
    return []


@prepared
def _school_and_municipality():
    return (m.School.select(m.School.short_name, m.Municipality.name).join(m.Municipality)
            .where(m.School.id == Param("school")).limit(1).tuples())


@prepared
def _municipality_name():
    return m.Municipality.select(m.Municipality.name).where(m.Municipality.id == Param("municipality")).tuples()


def home_sections(actor: Any) -> list[dict[str, Any]]:
    """The school admin's home page by task; [] for other roles (the core shows its plain tiles)."""
    if not actor.is_authenticated or actor.role != "school_admin":
        return []
    school_ids = service.school_ids_of(actor.user)
    steps = service.readiness(school_ids) if school_ids else []
    return [{"title": str(title), "steps": steps if with_steps else [], "endpoints": list(endpoints)}
            for title, with_steps, endpoints in SECTIONS]


def context() -> dict[str, Any]:
    """The blueprint's ``app_context_processor``: the place once per request; the sections only when asked."""
    if not has_request_context():
        return {}
    actor = current_actor()
    if "registries_place" not in g:
        g.registries_place = header_place(actor)
    return {"header_place": g.registries_place, "home_sections": lambda: home_sections(actor)}
