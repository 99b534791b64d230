"""Tables of the registries plugin: organisations, people, links and consents."""

from __future__ import annotations

import peewee

from core.api import BaseModel, User, utcnow

GENDERS = ("m", "f")
ENROLMENT_STATUSES = ("enrolled", "transferred", "left", "graduated")
RELEASED_STATUSES = ("transferred", "left")  # the old school has recorded the departure: another may enrol
RELATIONS = ("mother", "father", "guardian", "representative")
CONSENT_CHANNELS = ("paper", "electronic")
STAFF_ROLES = ("teacher", "deputy", "school_admin", "municipality", "operator")
SCHOOL_STAFF_ROLES = ("teacher", "deputy", "school_admin")


class Municipality(BaseModel):
    """A municipal district of the region («муниципалитет») with its education department."""

    code = peewee.CharField(max_length=20, unique=True)
    name = peewee.CharField(max_length=300)


class School(BaseModel):
    """A school («образовательная организация») of a municipality."""

    municipality = peewee.ForeignKeyField(Municipality, backref="schools", on_delete="RESTRICT")
    code = peewee.CharField(max_length=20, unique=True)
    name = peewee.CharField(max_length=500)
    short_name = peewee.CharField(max_length=200)
    address = peewee.CharField(max_length=500, default="")
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=200, default="")
    website = peewee.CharField(max_length=300, default="")
    service_contact = peewee.CharField(max_length=300, default="")


class Staff(BaseModel):
    """An employee: teacher, deputy head, school admin, or municipal specialist.

    Scoped to a school, or (municipality staff) to a municipality.
    """

    last_name = peewee.CharField(max_length=100)
    first_name = peewee.CharField(max_length=100)
    middle_name = peewee.CharField(max_length=100, default="")
    position = peewee.CharField(max_length=200, default="")
    school = peewee.ForeignKeyField(School, null=True, backref="staff", on_delete="RESTRICT")
    municipality = peewee.ForeignKeyField(Municipality, null=True, backref="staff", on_delete="RESTRICT")
    user = peewee.ForeignKeyField(User, null=True, unique=True, backref="staff_person", on_delete="SET NULL")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


class SchoolClass(BaseModel):
    """A class («класс», e.g. «5А») of a school in one academic year (``year`` = the year it starts)."""

    school = peewee.ForeignKeyField(School, backref="classes", on_delete="RESTRICT")
    year = peewee.IntegerField()
    grade = peewee.IntegerField()
    letter = peewee.CharField(max_length=5, default="")
    class_teacher = peewee.ForeignKeyField(Staff, null=True, backref="own_classes", on_delete="SET NULL")

    class Meta:
        table_name = "school_class"
        indexes = ((("school", "year", "grade", "letter"), True),)

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


class Person(BaseModel):
    """Fields shared by students and parents."""

    last_name = peewee.CharField(max_length=100)
    first_name = peewee.CharField(max_length=100)
    middle_name = peewee.CharField(max_length=100, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Student(Person):
    """A student («Обучающийся»). Nothing is deleted by a status change; history is kept."""

    birth_date = peewee.DateField()
    gender = peewee.CharField(max_length=1)
    snils = peewee.CharField(max_length=11, null=True, unique=True)
    school = peewee.ForeignKeyField(School, backref="students", on_delete="RESTRICT")
    school_class = peewee.ForeignKeyField(SchoolClass, null=True, backref="students", on_delete="SET NULL")
    status = peewee.CharField(max_length=20, default="enrolled", index=True)
    user = peewee.ForeignKeyField(User, null=True, unique=True, backref="student_person", on_delete="SET NULL")

    class Meta:
        indexes = ((("school", "last_name", "first_name", "birth_date"), False),)


class EnrolmentEvent(BaseModel):
    """One change of a student's enrolment: status, school and class, with who recorded it."""

    student = peewee.ForeignKeyField(Student, backref="enrolment_history", on_delete="CASCADE")
    status = peewee.CharField(max_length=20)
    school = peewee.ForeignKeyField(School, on_delete="RESTRICT")
    school_class = peewee.ForeignKeyField(SchoolClass, null=True, on_delete="SET NULL")
    date = peewee.DateField()
    note = peewee.CharField(max_length=500, default="")
    recorded_by = peewee.IntegerField(null=True)
    recorded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "enrolment_event"


class Parent(Person):
    """A parent or legal representative («Родитель, законный представитель»); SNILS is required."""

    snils = peewee.CharField(max_length=11, unique=True)
    birth_date = peewee.DateField(null=True)
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=200, default="")
    user = peewee.ForeignKeyField(User, null=True, unique=True, backref="parent_person", on_delete="SET NULL")
    # The school whose admin entered the record: it sees the parent before any child is linked.
    registered_school = peewee.ForeignKeyField(School, null=True, backref="registered_parents", on_delete="SET NULL")


class ParentLink(BaseModel):
    """A parent ↔ child link with the relation; ``ended_at`` ends it without deleting it."""

    parent = peewee.ForeignKeyField(Parent, backref="links", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, backref="parent_links", on_delete="CASCADE")
    relation = peewee.CharField(max_length=20)
    created_at = peewee.DateTimeField(default=utcnow)
    ended_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "parent_link"
        indexes = ((("parent", "student"), True), (("student", "ended_at"), False))


class Consent(BaseModel):
    """Consent to personal-data processing, a separate document since 1 Sep 2025.

    ``subject_*`` is whose data; ``giver_*`` who gave it (a parent, or the
    student if adult). A revoked consent keeps its record; only ``revoked_at``
    is set.
    """

    subject_student = peewee.ForeignKeyField(Student, null=True, backref="consents", on_delete="CASCADE")
    subject_parent = peewee.ForeignKeyField(Parent, null=True, backref="own_consents", on_delete="CASCADE")
    giver_parent = peewee.ForeignKeyField(Parent, null=True, backref="given_consents", on_delete="CASCADE")
    giver_student = peewee.ForeignKeyField(Student, null=True, on_delete="CASCADE")
    purpose = peewee.CharField(max_length=300)
    text_version = peewee.CharField(max_length=50)
    given_on = peewee.DateField()
    channel = peewee.CharField(max_length=20)
    scan_reference = peewee.CharField(max_length=300, default="")
    recorded_by = peewee.IntegerField(null=True)
    recorded_at = peewee.DateTimeField(default=utcnow)
    revoked_at = peewee.DateTimeField(null=True, index=True)
    revoked_by = peewee.IntegerField(null=True)
    revocation_note = peewee.CharField(max_length=500, default="")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


REGISTRY_MODELS = [
    Municipality, School, Staff, SchoolClass, Student, EnrolmentEvent, Parent, ParentLink, Consent,
]


# --- an import's staging area -------------------------------------------------------------------------
# An import is checked and written here first, chunk by chunk in short transactions, and becomes visible in
# the registries in one final short step (or never). Nobody reads these tables but the importer; a batch is
# deleted once applied, and an abandoned one after a day.


class ImportBatch(BaseModel):
    """One import into one school: staged, waiting for the admin's confirmation, or applied."""

    school = peewee.IntegerField()
    created_by = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    state = peewee.CharField(max_length=20, default="staging")  # staging, confirm, applied
    summary = peewee.TextField(default="{}")  # the report (counts, confirmations) as JSON

    class Meta:
        table_name = "import_batch"


class StagedStudent(BaseModel):
    """A checked student row: what the final step inserts (``existing`` null) or updates."""

    batch = peewee.IntegerField()
    row = peewee.IntegerField()
    existing = peewee.IntegerField(null=True)
    existing_updated_at = peewee.DateTimeField(null=True)
    last_name = peewee.CharField(max_length=100)
    first_name = peewee.CharField(max_length=100)
    middle_name = peewee.CharField(max_length=100, default="")
    birth_date = peewee.DateField()
    gender = peewee.CharField(max_length=1)
    snils = peewee.CharField(max_length=11, null=True)
    status = peewee.CharField(max_length=20)
    class_id = peewee.IntegerField(null=True)  # a class that exists
    grade = peewee.IntegerField(null=True)  # or a class the final step creates
    letter = peewee.CharField(max_length=5, null=True)
    name_key = peewee.CharField(max_length=400)
    changed = peewee.BooleanField(default=True)
    event = peewee.BooleanField(default=False)  # an enrolment event is recorded
    details = peewee.TextField(default="{}")  # the audit details, made when the row was checked

    class Meta:
        table_name = "import_student"
        indexes = ((("batch", "snils"), False), (("batch", "name_key"), False))


class StagedParent(BaseModel):
    batch = peewee.IntegerField()
    row = peewee.IntegerField()
    existing = peewee.IntegerField(null=True)
    existing_updated_at = peewee.DateTimeField(null=True)
    last_name = peewee.CharField(max_length=100)
    first_name = peewee.CharField(max_length=100)
    middle_name = peewee.CharField(max_length=100, default="")
    snils = peewee.CharField(max_length=11)
    birth_date = peewee.DateField(null=True)
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=200, default="")
    changed = peewee.BooleanField(default=True)
    details = peewee.TextField(default="{}")

    class Meta:
        table_name = "import_parent"
        indexes = ((("batch", "snils"), False),)


class StagedLink(BaseModel):
    """A checked link: each side is an existing record (``*_id``) or a staged row (``*_ref``)."""

    batch = peewee.IntegerField()
    row = peewee.IntegerField()
    existing = peewee.IntegerField(null=True)
    parent_id = peewee.IntegerField(null=True)
    parent_ref = peewee.IntegerField(null=True)
    student_id = peewee.IntegerField(null=True)
    student_ref = peewee.IntegerField(null=True)
    pair = peewee.CharField(max_length=60)
    relation = peewee.CharField(max_length=20)
    changed = peewee.BooleanField(default=True)
    details = peewee.TextField(default="{}")

    class Meta:
        table_name = "import_link"
        indexes = ((("batch", "pair"), False),)


STAGING_MODELS = [ImportBatch, StagedStudent, StagedParent, StagedLink]
