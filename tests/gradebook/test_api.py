"""The JSON API /api/v1: the same policy and audit as the pages, bearer tokens, 401/403/404/422 as JSON."""

import datetime as dt

from core.api import create_api_token, revoke_api_token
from core.models import AuditRecord
from plugins.gradebook import journal
from plugins.gradebook.models import Lesson
from tests.gradebook.factories import build_world, user_of


def test_parent_reads_their_childs_progress_with_a_bearer_token(app, world, client, bearer):
    answer = client.get(f"/api/v1/students/{world.a1.id}/progress", headers=bearer(world.parent))
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["student_id"] == world.a1.id and data["period"]["id"] == world.period.id
    maths = next(s for s in data["subjects"] if s["subject"] == "Математика")
    if len(world.maths_lessons) >= 3:
        assert maths["average"] == "4.75"
        assert [m["value"] for m in maths["marks"]] == ["5", "4", "5"]
        assert {m["work_type"] for m in maths["marks"]} >= {"Контрольная работа"}
        assert all(m["entered_at"].endswith("+00:00") for m in maths["marks"])
    assert answer.headers["Cache-Control"] == "no-store"


def test_children_lists_exactly_what_the_policy_scope_allows(app, world, client, bearer):
    def names(person):
        return sorted(s["full_name"] for s in client.get("/api/v1/children", headers=bearer(person))
                      .get_json()["students"])

    assert names(world.parent) == ["Иванов Пётр"]
    assert names(world.a1) == ["Иванов Пётр"]
    assert names(world.parent_no_consent) == []
    assert names(world.municipal) == []
    assert names(world.admin_b) == ["Цветков Антон"]
    assert "Цветков Антон" not in names(world.teacher)
    assert "Бобров Илья" in names(world.teacher)  # maths in 5Б too
    assert "Бобров Илья" not in names(world.other_teacher)


def test_me_says_who_is_calling_and_how(app, world, client, bearer, as_):
    me = client.get("/api/v1/me", headers=bearer(world.parent)).get_json()
    assert me["role"] == "parent" and me["auth"] == "token" and me["school_ids"] == [world.school.id]
    session_client = as_(world.teacher)
    me = session_client.get("/api/v1/me").get_json()
    assert me["role"] == "teacher" and me["auth"] == "session" and me["person_id"] == world.teacher.id


def test_calls_without_credentials_or_with_a_bad_token_get_json_401(app, world, client):
    for headers in ({}, {"Authorization": "Bearer esk_not-a-real-token"}, {"Authorization": "Basic abc"}):
        answer = client.get(f"/api/v1/students/{world.a1.id}/progress", headers=headers)
        assert answer.status_code == 401
        assert answer.get_json()["error"] == "unauthorized"


def test_revoked_and_expired_tokens_stop_working(app, world, client, bearer):
    headers = bearer(world.parent)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.test_request_context():
        user = user_of(world.parent)
        token_id = user.api_tokens.order_by(-user.api_tokens.model.id).first().id
        assert revoke_api_token(token_id, user)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    expiring = bearer(world.parent, days=1)
    with app.app_context():
        model = user.api_tokens.model
        model.update(expires_at=dt.datetime(2000, 1, 1)).where(model.revoked_at.is_null()).execute()
    assert client.get("/api/v1/me", headers=expiring).status_code == 401


def test_another_familys_child_is_403_and_an_unknown_id_is_404_in_json(app, world, client, bearer):
    headers = bearer(world.other_parent)
    for tail in ("progress", "diary", "periods", "report-card"):
        refused = client.get(f"/api/v1/students/{world.a1.id}/{tail}", headers=headers)
        assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
        missing = client.get(f"/api/v1/students/999999/{tail}", headers=headers)
        assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert client.get("/api/v1/no-such-thing", headers=headers).get_json()["error"] == "not_found"


def test_municipality_never_reads_a_single_childs_progress(app, world, client, bearer):
    answer = client.get(f"/api/v1/students/{world.a1.id}/progress", headers=bearer(world.municipal))
    assert answer.status_code == 403


def test_every_read_through_the_api_is_audited_as_via_api(app, world, client, bearer):
    headers = bearer(world.parent)
    for tail in ("progress", "diary", "periods", "report-card"):
        assert client.get(f"/api/v1/students/{world.a1.id}/{tail}", headers=headers).status_code == 200
    client.get(f"/api/v1/students/{world.a2.id}/progress", headers=headers)
    with app.app_context():
        rows = list(AuditRecord.select().where(AuditRecord.action == "progress.read"))
        ok = [r for r in rows if r.result == "ok" and r.object_id == str(world.a1.id)]
        assert len(ok) == 4
        assert all('"via": "api"' in r.details for r in ok)
        assert all(r.user_id == user_of(world.parent).id for r in ok)
        assert [r.result for r in rows if r.object_id == str(world.a2.id)] == ["denied"]


def test_bad_query_parameters_give_422_with_russian_messages_per_field(app, world, client, bearer):
    headers = bearer(world.parent)
    answer = client.get(f"/api/v1/students/{world.a1.id}/progress?period=abc", headers=headers)
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"period": ["Введите целое число."]}
    answer = client.get(f"/api/v1/students/{world.a1.id}/diary?week=29.11.2025&x=1", headers=headers)
    assert answer.get_json()["errors"] == {"week": ["Введите дату в виде ГГГГ-ММ-ДД."], "x": ["Неизвестный параметр."]}
    answer = client.get("/api/v1/marks/changes?limit=0", headers=headers)
    errors = answer.get_json()["errors"]
    assert answer.status_code == 422 and set(errors) == {"since", "limit"}
    assert errors["limit"] == ["Число от 1 до 500."]


def test_a_period_of_another_school_is_404(app, world, client, bearer):
    with app.app_context():
        other = world.year_b.periods[0].id
    answer = client.get(f"/api/v1/students/{world.a1.id}/progress?period={other}", headers=bearer(world.parent))
    assert answer.status_code == 404


def test_diary_starts_on_the_monday_of_the_asked_week(app, world, client, bearer):
    day = world.today
    data = client.get(f"/api/v1/students/{world.a1.id}/diary?week={day.isoformat()}",
                      headers=bearer(world.parent)).get_json()
    monday = day - dt.timedelta(days=day.weekday())
    assert data["week"] == monday.isoformat()
    assert [d["date"] for d in data["days"]][0] == monday.isoformat() and len(data["days"]) == 6


def test_mark_changes_are_keyed_on_entry_time_not_on_lesson_date(app, world, client, bearer):
    headers = bearer(world.parent)
    since = dt.datetime(2030, 1, 1, 12, 0)
    with app.app_context():
        old_lesson = Lesson.get_by_id(world.maths_lessons[0].id)
        teacher = world.teacher.user_id
        journal.set_mark(old_lesson, world.a1.id, "3", teacher, now=since + dt.timedelta(minutes=5))
        journal.set_mark(old_lesson, world.a2.id, "2", teacher, now=since + dt.timedelta(minutes=6))
    data = client.get("/api/v1/marks/changes?since=2030-01-01T15:00:00%2B03:00", headers=headers).get_json()
    assert [(c["student_id"], c["old_value"], c["new_value"]) for c in data["changes"]] == [(world.a1.id, "5", "3")]
    assert data["changes"][0]["lesson_date"] == old_lesson.date.isoformat()
    assert data["next_since"] == "2030-01-01T12:05:00+00:00" and data["has_more"] is False
    later = client.get("/api/v1/marks/changes?since=2030-01-01T12:05:00Z", headers=headers).get_json()
    assert later["changes"] == []


def test_mark_changes_page_through_with_next_since(app, world, client, bearer):
    headers = bearer(world.parent)
    first = client.get("/api/v1/marks/changes?since=2000-01-01T00:00:00&limit=2", headers=headers).get_json()
    if len(world.maths_lessons) < 3:
        return
    assert len(first["changes"]) == 2 and first["has_more"] is True
    rest = client.get(f"/api/v1/marks/changes?since={first['next_since'].replace('+', '%2B')}",
                      headers=headers).get_json()
    assert [c["new_value"] for c in first["changes"] + rest["changes"]] == ["5", "4", "5"]


def test_mark_changes_of_one_student_go_through_the_policy(app, world, client, bearer):
    headers = bearer(world.parent)
    assert client.get(f"/api/v1/marks/changes?since=2000-01-01T00:00:00Z&student={world.a2.id}",
                      headers=headers).status_code == 403
    own = client.get(f"/api/v1/marks/changes?since=2000-01-01T00:00:00Z&student={world.a1.id}", headers=headers)
    assert own.status_code == 200
    teacher_view = client.get("/api/v1/marks/changes?since=2000-01-01T00:00:00Z", headers=bearer(world.admin_b))
    assert teacher_view.get_json()["changes"] == []


def test_a_bearer_token_does_not_open_html_pages(app, world, client, bearer):
    answer = client.get("/gradebook/api-tokens", headers=bearer(world.parent))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_openapi_document_describes_every_api_route_with_bearer_auth(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "bearerAuth" in doc["components"]["securitySchemes"]
    rules = {r.rule.replace("<int:student_id>", "{student_id}") for r in app.url_map.iter_rules()
             if r.endpoint.startswith("gradebook_api.")}
    assert set(doc["paths"]) == rules
    for path, item in doc["paths"].items():
        operation = item["get"]
        if path == "/api/v1/openapi.json":
            assert operation["security"] == []
        else:
            assert {"bearerAuth": []} in operation["security"] and "401" in operation["responses"]


def test_api_works_for_two_apps_in_one_process(make_app):
    first, second = make_app(), make_app()
    for app in (first, second):
        world = build_world(app)
        client = app.test_client()
        with app.test_request_context():
            _, token = create_api_token(user_of(world.parent), "t")
        assert client.get("/api/v1/children", headers={"Authorization": f"Bearer {token}"}).status_code == 200
