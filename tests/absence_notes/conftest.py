"""Fixtures of the absence notes tests: the gradebook's two-school world, logins, a sent notice."""

import datetime as dt
import io

import pytest
from PIL import Image

from plugins.absence_notes.models import AbsenceNote
from tests.gradebook.factories import build_world, user_of

PLUGINS = ("registries", "gradebook", "absence_notes")
MONDAY = dt.date(2026, 11, 9)  # a2 has «Н» at maths that day (factories); the suite's clock says 25.11.2026


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def form(student, starts=MONDAY, ends=MONDAY + dt.timedelta(days=3), reason="illness", comment="", **extra):
    data = {"student_id": str(student.id), "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
            "reason": reason, "comment": comment}
    data.update(extra)
    return data


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def as_(app, login):
    """``as_(person)`` → a fresh test client logged in as that registry person."""

    def do(person):
        client = app.test_client()
        with app.app_context():
            user = user_of(person)
        login(client, user)
        return client

    return do


@pytest.fixture
def sent(app, world, as_):
    """A pending notice «other parent» sent for a2 (5А) from 9 to 12 November, illness, with a PNG."""
    data = form(world.a2, comment="Температура")
    data["attachment"] = (io.BytesIO(png_bytes()), "spravka.png")
    response = as_(world.other_parent).post("/absence-notes/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return AbsenceNote.select().order_by(AbsenceNote.id.desc()).first()
