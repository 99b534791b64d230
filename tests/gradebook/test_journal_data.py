"""Journal data: marks with entry time apart from the lesson date, change history, late flags, the archive."""



from plugins.gradebook import queries
from plugins.gradebook.models import Lesson
from tests.gradebook.factories import build_world


def test_world_builds_with_lessons_and_marks(app):
    w = build_world(app)
    with app.app_context():
        assert Lesson.select().count() > 0
        progress = queries.progress_for(w.a1, w.period, today=w.today)
        maths = next(s for s in progress.subjects if s.subject == "Математика")
        assert [m.value for m in maths.marks][:3] == ["5", "4", "5"] or len(w.maths_lessons) < 3
