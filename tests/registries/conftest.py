"""Factories for the registries tests: organisations, staff, people, logins."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from core.models import User
from plugins.registries import models as m
from plugins.registries.snils import make_valid

_numbers = itertools.count(100_200_300)


def next_snils() -> str:
    """A fresh valid SNILS above the exemption threshold."""
    return make_valid(next(_numbers))


class World:
    """A municipality with two schools, their admins, a deputy and a municipal specialist."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.municipality = m.Municipality.create(code="01", name="Североморский район")
            self.school = m.School.create(municipality=self.municipality, code="0101", name="Школа № 1",
                                          short_name="Школа № 1")
            self.other_school = m.School.create(municipality=self.municipality, code="0102", name="Школа № 2",
                                                short_name="Школа № 2")
            self.admin = self.staff("school_admin", school=self.school)
            self.other_admin = self.staff("school_admin", school=self.other_school)
            self.deputy = self.staff("deputy", school=self.school)
            self.municipal = self.staff("municipality", municipality=self.municipality)

    new_snils = staticmethod(next_snils)

    def staff(self, role, school=None, municipality=None):
        with self.app.app_context():
            user = User.create(display_name=f"Сотрудник {role}", role=role)
            m.Staff.create(last_name="Сотрудник", first_name=role, school=school, municipality=municipality,
                           user=user)
            return user

    def student(self, school=None, consent=True, **fields):
        with self.app.app_context():
            values = {"last_name": "Иванов", "first_name": "Пётр", "birth_date": dt.date(2012, 5, 1),
                      "gender": "m", "school": school or self.school, **fields}
            student = m.Student.create(**values)
            if consent:
                self.consent(student)
            return student

    def consent(self, student, giver=None):
        with self.app.app_context():
            return m.Consent.create(subject_student=student, giver_parent=giver, purpose="Электронный журнал",
                                    text_version="2025-09", given_on=dt.date(2025, 9, 1), channel="paper",
                                    scan_reference="папка 1")

    def parent(self, student=None, relation="mother", user=False, **fields):
        with self.app.app_context():
            values = {"last_name": "Иванова", "first_name": "Мария", "snils": next_snils(),
                      "registered_school": self.school, **fields}
            if user:
                values["user"] = User.create(display_name="Родитель", role="parent")
            parent = m.Parent.create(**values)
            if student is not None:
                m.ParentLink.create(parent=parent, student=student, relation=relation)
            return parent


@pytest.fixture
def world(app):
    return World(app)
