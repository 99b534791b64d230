"""The school admin's checklist: the letter's four preparation steps with live figures.

The figures come from ``service("registries").readiness(school_ids)`` — a
list of ``{"key", "label", "done", "total", "percent", "fix_endpoint"}`` in
step order. Each figure is placed under the letter's step it measures; a
figure with a key this plugin does not know is still shown, under «Другое».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, url_for
from werkzeug.routing import BuildError

from core.api import _, format_percent

# Which of the letter's steps each readiness figure measures.
STEP_OF_KEY = {
    "students_consent": 1,
    "children_one_parent": 2,
    "children_both_parents": 2,
    "parents_user": 3,
    "parents_esia": 4,
}


@dataclass
class Figure:
    key: str
    label: str
    done: int
    total: int
    percent: int
    fix_url: str | None

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    @property
    def percent_text(self) -> str:
        return format_percent(self.percent, digits=0)  # «60 %»


@dataclass
class Step:
    number: int | None
    title: str
    text: str
    figures: list[Figure] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.figures) and all(f.complete for f in self.figures)


def letter_steps() -> list[Step]:
    """The four steps of the letter, in its words, without figures."""
    return [
        Step(1, _("Обучающиеся"), _(
            "Внести всех учащихся школы в реестр «Обучающиеся» — с письменным согласием родителя "
            "(или совершеннолетнего учащегося) на обработку персональных данных.")),
        Step(2, _("Родители"), _(
            "Внести каждого родителя (законного представителя) в реестр «Родители» со СНИЛС и связать "
            "его с ребёнком. Право на услугу есть у обоих родителей: шаги 2–4 — для каждого.")),
        Step(3, _("Пользователи"), _(
            "Внести родителя в реестр «Пользователи», связав с его карточкой из реестра «Родители».")),
        Step(4, _("Госуслуги"), _(
            "Сообщить родителю, что нужна подтверждённая учётная запись на Госуслугах. "
            "Распечатайте плакат и разместите информацию на сайте школы.")),
    ]


def fix_url(endpoint: str | None) -> str | None:
    """A link to the page where a figure's missing things are fixed, if that page exists here."""
    if not endpoint or endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint)
    except BuildError:
        return None


def to_figure(row: dict[str, Any]) -> Figure:
    return Figure(
        key=row["key"],
        label=row["label"],
        done=int(row["done"]),
        total=int(row["total"]),
        percent=max(0, min(100, round(row["percent"]))),
        fix_url=fix_url(row.get("fix_endpoint")),
    )


def checklist(readiness: list[dict[str, Any]] | None) -> list[Step]:
    """The letter's steps with the readiness figures placed under them (``None``: no figures)."""
    steps = letter_steps()
    by_number = {step.number: step for step in steps}
    other = Step(None, _("Другое"), "")
    for row in readiness or []:
        figure = to_figure(row)
        by_number.get(STEP_OF_KEY.get(figure.key), other).figures.append(figure)
    return steps + ([other] if other.figures else [])
