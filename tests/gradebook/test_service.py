"""The gradebook's service for other plugins: a student's lessons and attendance, written with history."""

import datetime as dt

from core.api import service
from plugins.gradebook.models import Attendance, JournalChange


def test_another_plugin_reads_a_students_lessons_and_sets_attendance_with_history(app, world):
    with app.app_context():
        gradebook = service("gradebook")
        codes = gradebook.attendance_codes(world.school.id)
        assert codes["Б"] == {"name": "Болел", "is_absence": True, "is_excused": True}
        day = world.maths_lessons[1].date  # a2 is absent («Н») at maths that day (factories)
        lessons = gradebook.lessons_of_student(world.a2, day, day)
        maths = next(lesson for lesson in lessons if lesson.lesson_id == world.maths_lessons[1].id)
        assert (maths.subject, maths.attendance) == ("Математика", "Н")
        assert {lesson.date for lesson in lessons} == {day}
        assert gradebook.set_attendance(maths.lesson_id, world.a2.id, "Б", world.class_teacher.user_id)
        assert Attendance.get((Attendance.lesson == maths.lesson_id)
                              & (Attendance.student_id == world.a2.id)).code == "Б"
        change = JournalChange.select().where(JournalChange.lesson_id == maths.lesson_id).order_by(
            JournalChange.id.desc()).first()
        assert (change.old_value, change.new_value, change.changed_by) == ("Н", "Б", world.class_teacher.user_id)
        assert gradebook.lessons_of_student(world.a2, day + dt.timedelta(days=400), day + dt.timedelta(days=401)) \
            == []
