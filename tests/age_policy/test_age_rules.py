"""Age rules: who may log in which way, by the registry birth date on the login day, per region."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.api import ConfigError
from plugins.age_policy import rules
from tests.age_policy.support import (
    FAST_HASHING,
    PLUGINS,
    School,
    esia_login,
    fake_esia,
    issue_login,
    local_login,
    logged_in,
    region_today,
    years_ago,
)

DEFAULTS = {"min_age_esia": 14.0, "school_login_for_younger": True, "gosuslugi_only": False,
            "child_account_for_younger": False, "school_login_for_older": True}


def region(make_app, age_policy=None, core=None):
    return make_app(PLUGINS, sections={"auth_local": FAST_HASHING, "age_policy": age_policy or {}},
                    extra={"fake_esia": fake_esia}, core=core)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the arithmetic of age -------------------------------------------------------


def test_a_student_whose_14th_birthday_is_today_is_14():
    today = dt.date(2025, 9, 1)
    assert not rules.is_below(dt.date(2011, 9, 1), 14, today)
    assert rules.is_below(dt.date(2011, 9, 2), 14, today)


def test_14_and_a_half_means_14_years_and_6_months_after_the_birth_date():
    born = dt.date(2011, 3, 15)
    assert rules.reaches_age_on(born, 14.5) == dt.date(2025, 9, 15)
    assert rules.is_below(born, 14.5, dt.date(2025, 9, 14))
    assert not rules.is_below(born, 14.5, dt.date(2025, 9, 15))


def test_a_missing_day_of_month_is_reached_on_the_last_day_of_that_month():
    assert rules.reaches_age_on(dt.date(2012, 2, 29), 14) == dt.date(2026, 2, 28)
    assert rules.reaches_age_on(dt.date(2011, 8, 31), 14.5) == dt.date(2026, 2, 28)


def test_the_threshold_reads_as_russian_words():
    assert rules.age_phrase(14) == "14 лет"
    assert rules.age_phrase(14.5) == "14 лет 6 месяцев"


def test_a_threshold_that_is_not_a_whole_number_of_months_stops_start_up(make_app):
    with pytest.raises(ConfigError, match="min_age_esia"):
        region(make_app, {"min_age_esia": 14.3})
    with pytest.raises(ConfigError, match="unknown_key"):
        region(make_app, {"unknown_key": 1})


# --- the default region: school logins below 14 -----------------------------------


def test_default_region_refuses_an_under_14_via_gosuslugi_and_says_to_use_the_school_login(make_app):
    app = region(make_app)
    school = School(app)
    kid = school.student(years_ago(region_today(app), 13, 11), school.school_class())
    client = app.test_client()
    response = esia_login(client, kid)
    assert response.status_code == 403
    message = text(response)
    assert "младше 14 лет не входят в электронную школу через Госуслуги" in message
    assert "по логину и паролю, которые выдаёт школа" in message
    assert "администратору школы" in message
    assert not logged_in(client)


def test_default_region_admits_an_under_14_with_the_school_login(make_app):
    app = region(make_app)
    school = School(app)
    kid = school.student(years_ago(region_today(app), 10), school.school_class())
    login, password = issue_login(app, kid)
    client = app.test_client()
    assert local_login(client, login, password).status_code == 302
    assert logged_in(client)


def test_a_student_whose_14th_birthday_is_today_is_admitted_via_gosuslugi(make_app):
    app = region(make_app)
    school = School(app)
    today = region_today(app)
    birthday_today = school.student(years_ago(today, 14), school.school_class(), last="Сегодняшний")
    birthday_tomorrow = school.student(years_ago(today, 14, days=1), last="Завтрашний")
    assert esia_login(app.test_client(), birthday_today).status_code == 302
    assert esia_login(app.test_client(), birthday_tomorrow).status_code == 403


def test_age_is_counted_on_the_login_day_in_the_region_timezone(make_app):
    utc_today = dt.datetime.now(dt.UTC).date()
    ahead, behind = "Pacific/Kiritimati", "Pacific/Pago_Pago"  # UTC+14 and UTC−11: one differs from UTC today
    zone = ahead if dt.datetime.now(ZoneInfo(ahead)).date() != utc_today else behind
    app = region(make_app, core={"timezone": zone})
    local_today = region_today(app)
    assert local_today != utc_today
    student = School(app).student(years_ago(local_today, 14))
    # 14 on the region's calendar is what counts, whatever the server's UTC date says
    assert esia_login(app.test_client(), student).status_code == 302
    one_day_short = School(app, code="S2").student(years_ago(local_today, 14, days=1), last="Другой")
    assert esia_login(app.test_client(), one_day_short).status_code == 403


def test_a_threshold_of_14_and_a_half_is_honoured(make_app):
    app = region(make_app, {"min_age_esia": 14.5})
    school = School(app)
    today = region_today(app)
    fourteen_and_five = school.student(years_ago(today, 14, 5), last="Пятимесячный")
    fourteen_and_six = school.student(years_ago(today, 14, 6), last="Полугодовой")
    refused = esia_login(app.test_client(), fourteen_and_five)
    assert refused.status_code == 403
    assert "младше 14 лет 6 месяцев" in text(refused)
    assert esia_login(app.test_client(), fourteen_and_six).status_code == 302


# --- "Gosuslugi only" -------------------------------------------------------------


def test_gosuslugi_only_refuses_a_students_school_login_and_explains_the_way_in(make_app):
    app = region(make_app, {"gosuslugi_only": True})
    school = School(app)
    kid = school.student(years_ago(region_today(app), 10), school.school_class())
    login, password = issue_login(app, kid)
    client = app.test_client()
    response = local_login(client, login, password)
    assert response.status_code == 403
    message = text(response)
    assert "только через Госуслуги" in message
    assert "детской учётной записью" in message
    assert "администратору школы" in message
    assert not logged_in(client)


def test_gosuslugi_only_admits_an_under_14_with_a_child_account_and_refuses_an_ordinary_one(make_app):
    app = region(make_app, {"gosuslugi_only": True})
    kid = School(app).student(years_ago(region_today(app), 10))
    assert esia_login(app.test_client(), kid, level="child").status_code == 302
    refused = esia_login(app.test_client(), kid, level="standard")
    assert refused.status_code == 403
    assert "только с детской учётной записью" in text(refused)


def test_gosuslugi_only_admits_a_15_year_old_with_their_own_account(make_app):
    app = region(make_app, {"gosuslugi_only": True})
    teen = School(app).student(years_ago(region_today(app), 15))
    assert esia_login(app.test_client(), teen, level="confirmed").status_code == 302


def test_a_region_may_let_younger_students_use_child_accounts_beside_school_logins(make_app):
    app = region(make_app, {"child_account_for_younger": True})
    kid = School(app).student(years_ago(region_today(app), 9))
    assert esia_login(app.test_client(), kid, level="child").status_code == 302
    refused = esia_login(app.test_client(), kid, level="confirmed")
    assert refused.status_code == 403
    assert "по логину и паролю" in text(refused)


def test_a_region_without_school_logins_for_younger_students_says_how_else(make_app):
    app = region(make_app, {"school_login_for_younger": False})
    school = School(app)
    kid = school.student(years_ago(region_today(app), 9))
    login, password = issue_login(app, kid)
    response = local_login(app.test_client(), login, password)
    assert response.status_code == 403
    assert "получают родители через Госуслуги" in text(response)


def test_a_region_may_send_older_students_to_gosuslugi(make_app):
    app = region(make_app, {"school_login_for_older": False})
    teen = School(app).student(years_ago(region_today(app), 16))
    login, password = issue_login(app, teen)
    response = local_login(app.test_client(), login, password)
    assert response.status_code == 403
    assert "через Госуслуги со своей учётной записью" in text(response)


# --- who is not age-restricted ----------------------------------------------------


@pytest.mark.parametrize("policy", [{}, {"gosuslugi_only": True}, {"min_age_esia": 18}])
def test_parents_and_staff_are_not_age_restricted(make_app, policy):
    app = region(make_app, policy)
    school = School(app)
    parent = school.parent("12345678901")
    assert esia_login(app.test_client(), parent).status_code == 302
    admin = school.admin()
    from plugins.auth_local import credentials

    with app.test_request_context():
        login, password = credentials.issue_for_user(admin, "admin1", None)
    assert local_login(app.test_client(), login, password).status_code == 302


def test_a_student_account_without_a_registry_record_is_refused_with_a_reason(make_app):
    app = region(make_app)
    from core.api import User
    from plugins.auth_local import credentials

    with app.test_request_context():
        orphan = User.create(display_name="Без реестра", role="student")
        login, password = credentials.issue_for_user(orphan, "orphan1", None)
    response = local_login(app.test_client(), login, password)
    assert response.status_code == 403
    assert "нет вашей даты рождения" in text(response)


def test_the_rules_take_the_birth_date_from_the_registry_not_from_the_provider(make_app):
    app = region(make_app)
    kid = School(app).student(years_ago(region_today(app), 12))
    response = app.test_client().post("/fake-esia/login", data={
        "subject": "oid-x", "snils": kid.snils, "level": "confirmed", "birth_date": "1990-01-01"})
    assert response.status_code == 403


def test_settings_are_readable_by_other_plugins_with_their_defaults(make_app):
    app = region(make_app)
    with app.app_context():
        from core.api import settings

        section = settings("age_policy")
    assert {k: section[k] for k in DEFAULTS} == DEFAULTS
