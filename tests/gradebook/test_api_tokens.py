"""The «Ключи API» page: a user creates a bearer token (shown once), sees their tokens and revokes them."""

import re

from core.models import ApiToken, AuditRecord
from tests.gradebook.factories import user_of

TOKEN = re.compile(r"esk_[A-Za-z0-9_-]{20,}")


def _create(client, name="Телефон", days=""):
    return client.post("/gradebook/api-tokens", data={"name": name, "days": days})


def test_parent_creates_a_token_sees_it_once_and_it_opens_the_api(app, world, as_):
    client = as_(world.parent)
    page = _create(client, "Телефон мамы", "30")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    token = TOKEN.search(text).group(0)
    assert "Скопируйте ключ сейчас" in text
    listing = client.get("/gradebook/api-tokens").get_data(as_text=True)
    assert "Телефон мамы" in listing and token not in listing
    api = app.test_client().get("/api/v1/children", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json()["students"][0]["id"] == world.a1.id
    with app.app_context():
        row = ApiToken.get(ApiToken.name == "Телефон мамы")
        assert row.expires_at is not None and token not in row.token_hash
        assert AuditRecord.select().where(AuditRecord.action == "api_token.create").count() == 1


def test_revoked_token_is_refused_by_the_api_at_once(app, world, as_):
    client = as_(world.parent)
    token = TOKEN.search(_create(client).get_data(as_text=True)).group(0)
    with app.app_context():
        token_id = ApiToken.get(ApiToken.name == "Телефон").id
    answer = client.post(f"/gradebook/api-tokens/{token_id}/revoke")
    assert answer.status_code == 302
    assert "отозван" in client.get("/gradebook/api-tokens").get_data(as_text=True)
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_nobody_revokes_or_sees_another_users_token(app, world, as_):
    _create(as_(world.parent), "Чужой ключ")
    with app.app_context():
        token_id = ApiToken.get(ApiToken.name == "Чужой ключ").id
    other = as_(world.other_parent)
    assert "Чужой ключ" not in other.get("/gradebook/api-tokens").get_data(as_text=True)
    assert other.post(f"/gradebook/api-tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert ApiToken.get_by_id(token_id).revoked_at is None


def test_invalid_form_shows_russian_messages_next_to_the_fields(app, world, as_):
    page = _create(as_(world.teacher), "", "1000")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Название от 1 до 100 знаков." in text and "Срок от 1 до 365 дней." in text
    assert 'id="token-name-error"' in text and 'id="token-days-error"' in text
    with app.app_context():
        assert ApiToken.select().count() == 0


def test_anonymous_visitor_is_sent_to_login(app, client):
    answer = client.get("/gradebook/api-tokens")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_creating_a_token_without_the_csrf_token_is_refused(app, world, as_):
    app.config["WTF_CSRF_ENABLED"] = True
    client = as_(world.parent)
    assert _create(client).status_code == 400
    with app.app_context():
        assert ApiToken.select().where(ApiToken.user == user_of(world.parent).id).count() == 0
    page = client.get("/gradebook/api-tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    ok = client.post("/gradebook/api-tokens", data={"name": "С токеном", "csrf_token": csrf})
    assert ok.status_code == 200


def test_page_needs_no_inline_script_or_style(app, world, as_):
    page = as_(world.parent).get("/gradebook/api-tokens").get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # same-origin script files are fine (CSP 'self')
    assert inline == [] and "style=" not in page
