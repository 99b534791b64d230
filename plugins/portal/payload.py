"""The вид сведений payload: the project's own XSD (``xsd/progress-<version>.xsd``), built and read with lxml.

``ProgressInfoRequest`` comes from the portal inside ``MessagePrimaryContent``;
``ProgressInfoResponse`` goes back. Every payload this module builds is
validated against the schema before it is returned, so nothing invalid can be
stored for sending.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

XSD_DIR = Path(__file__).parent / "xsd"
SCHEMA_VERSIONS = sorted(p.stem.removeprefix("progress-") for p in XSD_DIR.glob("progress-*.xsd"))
SHIPPED_NS = re.compile(r'urn://x-artefacts-eschool/progress-info/[0-9.]+')

REQUEST = "ProgressInfoRequest"
RESPONSE = "ProgressInfoResponse"


class PayloadError(ValueError):
    """A payload that does not match the schema; ``errors`` lists libxml2's messages (line: text)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def default_namespace(version: str) -> str:
    """The namespace the shipped schema of ``version`` declares."""
    return SHIPPED_NS.search((XSD_DIR / f"progress-{version}.xsd").read_text(encoding="utf-8")).group(0)


@functools.lru_cache(maxsize=16)
def schema(version: str, namespace: str | None = None) -> etree.XMLSchema:
    """The payload schema of ``version``, with the region's registered ``namespace`` in place."""
    text = (XSD_DIR / f"progress-{version}.xsd").read_text(encoding="utf-8")
    if namespace:
        text = SHIPPED_NS.sub(namespace, text)
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def validate(element: etree._Element, version: str, namespace: str) -> None:
    """Raise ``PayloadError`` unless ``element`` is valid against the payload schema."""
    xsd = schema(version, namespace)
    if not xsd.validate(element):
        raise PayloadError([f"{e.line}: {e.message}" for e in xsd.error_log])


@dataclass
class Spec:
    """Which payload: the schema version and the namespace the region registered."""

    version: str
    namespace: str

    @classmethod
    def of(cls, settings: dict[str, Any]) -> Spec:
        version = settings["schema_version"]
        return cls(version, settings["namespace"] or default_namespace(version))

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def validate(self, element: etree._Element) -> None:
        validate(element, self.version, self.namespace)


# --- the request ------------------------------------------------------------------


@dataclass
class Person:
    last_name: str
    first_name: str
    middle_name: str = ""


@dataclass
class Application:
    """A portal application as read from ``ProgressInfoRequest``."""

    number: str
    filed_at: dt.datetime
    applicant: Person
    oid: str
    snils: str
    role: str
    child: Person | None = None
    child_birth_date: dt.date | None = None
    child_snils: str = ""
    child_school: str = ""
    child_class: str = ""
    period_from: dt.date | None = None
    period_to: dt.date | None = None


def _text(parent: etree._Element, spec: Spec, name: str) -> str:
    found = parent.find(spec.tag(name))
    return (found.text or "").strip() if found is not None else ""


def _person(parent: etree._Element, spec: Spec) -> Person:
    return Person(_text(parent, spec, "LastName"), _text(parent, spec, "FirstName"), _text(parent, spec, "MiddleName"))


def parse_datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def read_request(element: etree._Element, spec: Spec) -> Application:
    """Validate and read a ``ProgressInfoRequest``; ``PayloadError`` if it does not match the schema."""
    spec.validate(element)
    if element.tag != spec.tag(REQUEST):
        raise PayloadError([f"the root element is {element.tag}, not {spec.tag(REQUEST)}"])
    applicant = element.find(spec.tag("Applicant"))
    app = Application(
        number=_text(element, spec, "ApplicationNumber"),
        filed_at=parse_datetime(_text(element, spec, "ApplicationDate")),
        applicant=_person(applicant, spec),
        oid=_text(applicant, spec, "EsiaOid"),
        snils=_text(applicant, spec, "Snils"),
        role=_text(applicant, spec, "Role"),
    )
    child = element.find(spec.tag("Child"))
    if child is not None:
        app.child = _person(child, spec)
        app.child_birth_date = dt.date.fromisoformat(_text(child, spec, "BirthDate"))
        app.child_snils = _text(child, spec, "Snils")
        app.child_school = _text(child, spec, "School")
        app.child_class = _text(child, spec, "Class")
    dates = element.find(f"{spec.tag('Period')}/{spec.tag('Dates')}")
    if dates is not None:
        app.period_from = dt.date.fromisoformat(_text(dates, spec, "From"))
        app.period_to = dt.date.fromisoformat(_text(dates, spec, "To"))
    return app


def _sub(parent: etree._Element, spec: Spec, name: str, text: Any = None) -> etree._Element:
    node = etree.SubElement(parent, spec.tag(name))
    if text is not None:
        node.text = text if isinstance(text, str) else str(text)
    return node


def _person_into(node: etree._Element, spec: Spec, person: Person) -> None:
    _sub(node, spec, "LastName", person.last_name)
    _sub(node, spec, "FirstName", person.first_name)
    if person.middle_name:
        _sub(node, spec, "MiddleName", person.middle_name)


def build_request(app: Application, spec: Spec) -> etree._Element:
    """A ``ProgressInfoRequest`` (the portal's side: the emulator and tests build applications with it)."""
    root = etree.Element(spec.tag(REQUEST), nsmap={None: spec.namespace})
    _sub(root, spec, "ApplicationNumber", app.number)
    _sub(root, spec, "ApplicationDate", app.filed_at.replace(microsecond=0).isoformat() + "Z"
         if app.filed_at.tzinfo is None else app.filed_at.isoformat())
    applicant = _sub(root, spec, "Applicant")
    _person_into(applicant, spec, app.applicant)
    _sub(applicant, spec, "EsiaOid", app.oid)
    _sub(applicant, spec, "Snils", app.snils)
    _sub(applicant, spec, "Role", app.role)
    if app.child is not None:
        child = _sub(root, spec, "Child")
        _person_into(child, spec, app.child)
        _sub(child, spec, "BirthDate", app.child_birth_date.isoformat() if app.child_birth_date else "")
        for name, value in (("Snils", app.child_snils), ("School", app.child_school), ("Class", app.child_class)):
            if value:
                _sub(child, spec, name, value)
    period = _sub(root, spec, "Period")
    if app.period_from and app.period_to:
        dates = _sub(period, spec, "Dates")
        _sub(dates, spec, "From", app.period_from.isoformat())
        _sub(dates, spec, "To", app.period_to.isoformat())
    else:
        _sub(period, spec, "Current")
    spec.validate(root)
    return root


# --- the answer -------------------------------------------------------------------


@dataclass
class MarkRow:
    date: dt.date
    value: str
    work_type: str
    weight: Decimal
    comment: str = ""


@dataclass
class SubjectRow:
    name: str
    teacher: str
    marks: list[MarkRow] = field(default_factory=list)
    average: Decimal | None = None
    period_grade: str = ""
    missed: int = 0


@dataclass
class PeriodRow:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    school: str
    subjects: list[SubjectRow] = field(default_factory=list)
    attendance: dict[str, int] = field(default_factory=dict)


@dataclass
class ProgressAnswer:
    student: Person
    school: str
    class_name: str
    periods: list[PeriodRow]


@dataclass
class RefusalAnswer:
    code: str
    reject_code: str
    reason: str


def _decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def build_response(number: str, answered_at: dt.datetime, answer: ProgressAnswer | RefusalAnswer,
                   spec: Spec) -> etree._Element:
    """A validated ``ProgressInfoResponse`` holding the progress or the refusal."""
    root = etree.Element(spec.tag(RESPONSE), nsmap={None: spec.namespace})
    _sub(root, spec, "ApplicationNumber", number)
    _sub(root, spec, "AnsweredAt", answered_at.replace(microsecond=0).isoformat() + "Z")
    if isinstance(answer, RefusalAnswer):
        refusal = _sub(root, spec, "Refusal")
        _sub(refusal, spec, "Code", answer.code)
        _sub(refusal, spec, "RejectCode", answer.reject_code)
        _sub(refusal, spec, "Reason", answer.reason)
    else:
        progress = _sub(root, spec, "Progress")
        student = _sub(progress, spec, "Student")
        _person_into(student, spec, answer.student)
        _sub(student, spec, "School", answer.school)
        if answer.class_name:
            _sub(student, spec, "Class", answer.class_name)
        for period in answer.periods:
            node = _sub(progress, spec, "Period")
            _sub(node, spec, "Name", period.name)
            _sub(node, spec, "From", period.starts_on.isoformat())
            _sub(node, spec, "To", period.ends_on.isoformat())
            _sub(node, spec, "School", period.school)
            for subject in period.subjects:
                s = _sub(node, spec, "Subject")
                _sub(s, spec, "Name", subject.name)
                if subject.teacher:
                    _sub(s, spec, "Teacher", subject.teacher)
                for mark in subject.marks:
                    m = _sub(s, spec, "Mark")
                    _sub(m, spec, "Date", mark.date.isoformat())
                    _sub(m, spec, "Value", mark.value)
                    _sub(m, spec, "WorkType", mark.work_type)
                    _sub(m, spec, "Weight", _decimal(mark.weight))
                    if mark.comment:
                        _sub(m, spec, "Comment", mark.comment)
                if subject.average is not None:
                    _sub(s, spec, "WeightedAverage", _decimal(subject.average))
                if subject.period_grade:
                    _sub(s, spec, "PeriodGrade", subject.period_grade)
                _sub(s, spec, "MissedLessons", subject.missed)
            for code, lessons in sorted(period.attendance.items()):
                a = _sub(node, spec, "Attendance")
                _sub(a, spec, "Code", code)
                _sub(a, spec, "Lessons", lessons)
    spec.validate(root)
    return root


def read_response(element: etree._Element, spec: Spec) -> tuple[str, ProgressAnswer | RefusalAnswer]:
    """The application number and the answer of a ``ProgressInfoResponse`` (the portal's side)."""
    spec.validate(element)
    number = _text(element, spec, "ApplicationNumber")
    refusal = element.find(spec.tag("Refusal"))
    if refusal is not None:
        return number, RefusalAnswer(_text(refusal, spec, "Code"), _text(refusal, spec, "RejectCode"),
                                     _text(refusal, spec, "Reason"))
    progress = element.find(spec.tag("Progress"))
    student = progress.find(spec.tag("Student"))
    periods = []
    for node in progress.findall(spec.tag("Period")):
        period = PeriodRow(_text(node, spec, "Name"), dt.date.fromisoformat(_text(node, spec, "From")),
                           dt.date.fromisoformat(_text(node, spec, "To")), _text(node, spec, "School"))
        for s in node.findall(spec.tag("Subject")):
            average = _text(s, spec, "WeightedAverage")
            period.subjects.append(SubjectRow(
                _text(s, spec, "Name"), _text(s, spec, "Teacher"),
                [MarkRow(dt.date.fromisoformat(_text(m, spec, "Date")), _text(m, spec, "Value"),
                         _text(m, spec, "WorkType"), Decimal(_text(m, spec, "Weight")), _text(m, spec, "Comment"))
                 for m in s.findall(spec.tag("Mark"))],
                Decimal(average) if average else None, _text(s, spec, "PeriodGrade"),
                int(_text(s, spec, "MissedLessons") or 0)))
        for a in node.findall(spec.tag("Attendance")):
            period.attendance[_text(a, spec, "Code")] = int(_text(a, spec, "Lessons"))
        periods.append(period)
    return number, ProgressAnswer(_person(student, spec), _text(student, spec, "School"),
                                  _text(student, spec, "Class"), periods)
