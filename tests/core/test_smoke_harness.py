"""The harness itself: a fresh app per test, migrations applied, a logged-in actor."""

import pytest


@pytest.mark.plugins()
def test_logged_in_actor_reaches_guarded_page_and_visitor_is_sent_to_login(app, client, make_user, login):
    operator = make_user("operator", "Оператор Региона")
    assert client.get("/admin/audit").status_code == 302
    login(client, operator)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "Журнал доступа" in page.get_data(as_text=True)
