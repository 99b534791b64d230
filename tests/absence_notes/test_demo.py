"""The demo region has pending absence notices the school's staff can open."""

from plugins.absence_notes.models import AbsenceNote
from tests.absence_notes.conftest import PLUGINS
from tests.support import registry_tables


def test_the_demo_adds_pending_notices_of_the_featured_family_and_another(make_app):
    app = make_app(list(PLUGINS), migrate=False)
    result = app.test_cli_runner().invoke(args=["demo", "--students", "60"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        notes = list(AbsenceNote.select().order_by(AbsenceNote.id))
        assert 2 <= len(notes) <= 3
        assert {n.status for n in notes} == {"pending"}
        assert len({n.parent_user_id for n in notes}) == 2
        reg = registry_tables()
        for note in notes:
            student = reg.Student.get_by_id(note.student_id)
            assert (note.school_id, note.class_id) == (student.school_id, student.school_class_id)
            assert note.starts_on <= note.ends_on and note.comment
