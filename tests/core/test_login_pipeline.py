"""The login pipeline: identity → user → login rules → a fresh, revocable session."""

import pytest

from core.api import block_user, revoke_sessions
from core.models import AuditRecord, LoginIdentity, User


@pytest.fixture
def app(hook_app):
    return hook_app()


def _login(client, name, next_url=""):
    return client.post("/hooktester/login", data={"name": name, "next": next_url})


@pytest.mark.covers_hook("login_methods")
def test_login_page_lists_the_enabled_login_methods(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Вход по имени" in page
    assert 'action="/hooktester/login"' in page


@pytest.mark.covers_hook("resolve_identity")
def test_known_identity_logs_in_and_is_linked_and_audited(app, client, make_user):
    user = make_user("parent", "Иванова Анна")
    response = _login(client, "Иванова Анна")
    assert response.status_code == 302
    assert client.get("/hooktester/notes").status_code == 200
    with app.app_context():
        assert LoginIdentity.get(LoginIdentity.subject == "Иванова Анна").user_id == user.id
        record = AuditRecord.select().where(AuditRecord.action == "login").get()
        assert (record.user_id, record.result) == (user.id, "ok")


def test_second_login_resolves_through_the_linked_identity_first(app, client, make_user):
    user = make_user("parent", "Петров Пётр")
    _login(client, "Петров Пётр")
    with app.app_context():
        User.update(display_name="Переименован").where(User.id == user.id).execute()
    client.post("/logout")
    # the plugin's own lookup by name would now fail; the core's linked-identity lookup still finds him
    assert _login(client, "Петров Пётр").status_code == 302
    assert client.get("/hooktester/notes").status_code == 200


def test_unknown_identity_is_refused_with_a_russian_message_and_audited(app, client):
    response = _login(client, "Никто")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "не связана ни с одним пользователем" in text
    with app.app_context():
        assert AuditRecord.get(AuditRecord.action == "login").result == "refused"


@pytest.mark.covers_hook("login_rules")
def test_a_login_rule_vetoes_and_its_reason_is_shown(client, make_user):
    make_user("parent", "Запрещённый")
    response = _login(client, "Запрещённый")
    assert response.status_code == 403
    assert "Этому пользователю вход закрыт правилом теста." in response.get_data(as_text=True)
    assert client.get("/hooktester/notes").status_code == 302


def test_blocked_user_cannot_log_in(client, make_user):
    make_user("parent", "Сидоров", is_blocked=True)
    response = _login(client, "Сидоров")
    assert response.status_code == 403
    assert "заблокирована" in response.get_data(as_text=True)


def test_login_starts_a_fresh_session_and_carries_nothing_over(client, make_user):
    make_user("parent", "Фиксация")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    before = client.get_cookie("eschool_session").value
    _login(client, "Фиксация")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        token = sess["_user_id"]
    assert client.get_cookie("eschool_session").value != before
    assert token and "Фиксация" not in token


@pytest.mark.covers_hook("logout_url")
def test_copied_cookie_stops_working_after_logout_and_logout_uses_provider_url(app, make_user):
    make_user("parent", "Копия")
    browser = app.test_client()
    _login(browser, "Копия")
    stolen = browser.get_cookie("eschool_session").value
    response = browser.post("/logout")
    assert response.headers["Location"] == "/hooktester/bye"
    thief = app.test_client()
    thief.set_cookie("eschool_session", stolen)
    assert thief.get("/hooktester/notes").status_code == 302


def test_revoking_sessions_and_blocking_end_live_sessions_at_once(app, make_user):
    user = make_user("parent", "Живой")
    first, second = app.test_client(), app.test_client()
    _login(first, "Живой")
    _login(second, "Живой")
    with app.test_request_context():
        assert revoke_sessions(user) == 2
    assert first.get("/hooktester/notes").status_code == 302
    _login(first, "Живой")
    with app.test_request_context():
        block_user(User.get_by_id(user.id), "test")
    assert first.get("/hooktester/notes").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/hooktester/notes", "/hooktester/notes"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_redirects_only_within_the_site(client, make_user, target, expected):
    make_user("parent", "Навигатор")
    response = _login(client, "Навигатор", next_url=target)
    assert response.headers["Location"] == expected


def test_a_vetoed_login_leaves_no_identity_link_behind(app, client, make_user):
    make_user("parent", "Запрещённый")
    assert _login(client, "Запрещённый").status_code == 403
    with app.app_context():
        assert LoginIdentity.select().count() == 0


def test_a_person_sees_their_sessions_and_ends_another_device(app, make_user):
    make_user("parent", "Два устройства")
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, "Два устройства")
    _login(laptop, "Два устройства")
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert page.count('class="card"') == 2 and "Этот сеанс" in page
    with app.app_context():
        from core.models import UserSession

        phone_session = UserSession.select().order_by(UserSession.id).first().id
    assert laptop.post("/account/sessions/end", data={"session": phone_session}).status_code == 302
    assert phone.get("/hooktester/notes").status_code == 302
    assert laptop.get("/hooktester/notes").status_code == 200


def test_ending_all_other_sessions_keeps_this_one_and_no_one_ends_a_strangers(app, make_user):
    make_user("parent", "Хозяин")
    make_user("parent", "Чужак")
    mine, other_device, stranger = app.test_client(), app.test_client(), app.test_client()
    _login(mine, "Хозяин")
    _login(other_device, "Хозяин")
    _login(stranger, "Чужак")
    with app.app_context():
        from core.models import User, UserSession

        strangers = UserSession.get(UserSession.user == User.get(User.display_name == "Чужак").id).id
    mine.post("/account/sessions/end", data={"session": strangers})
    assert stranger.get("/hooktester/notes").status_code == 200
    mine.post("/account/sessions/end", data={"session": "others"})
    assert other_device.get("/hooktester/notes").status_code == 302
    assert mine.get("/hooktester/notes").status_code == 200


def test_a_login_tells_when_and_from_where_the_account_was_entered_before(app, make_user):
    make_user("parent", "Осторожная")
    first = app.test_client()
    first.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert "Предыдущий вход" not in first.get(_login(first, "Осторожная").headers["Location"]).get_data(as_text=True)
    with app.app_context():
        from core.formatting import local_time
        from core.models import UserSession

        with app.test_request_context():
            when = local_time(UserSession.get().created_at)
    second = app.test_client()
    page = second.get(_login(second, "Осторожная").headers["Location"]).get_data(as_text=True)
    assert f"Предыдущий вход в вашу учётную запись: {when}, с адреса 198.51.100.23." in page
    assert "«Мои сеансы»" in page
    # the notice is shown once, not on every page
    assert "Предыдущий вход" not in second.get("/").get_data(as_text=True)
