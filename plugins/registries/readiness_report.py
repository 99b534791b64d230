"""The readiness report («готовность к оказанию услуги»): per school, per municipality, as HTML and XLSX.

Figures come from ``RegistryService.readiness``; the school admin also gets
the lists of who lacks a step (``missing``); the municipality and the region
operator get aggregates only.
"""

from __future__ import annotations

from typing import Any

from core.api import Workbook, _
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
