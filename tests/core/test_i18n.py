"""Every string a person sees goes through gettext: a region's catalog can translate it."""

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo


def test_a_region_catalog_translates_the_interface(make_app, tmp_path):
    folder = tmp_path / "translations" / "ba" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="ba")
    catalog.add("Вход в электронную школу", "Электрон мәктәпкә инеү")
    catalog.add("Страница не найдена", "Бит табылманы")
    with open(folder / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    app = make_app([], core={"language": "ba", "translations": str(tmp_path / "translations")})
    client = app.test_client()
    assert "Электрон мәктәпкә инеү" in client.get("/login").get_data(as_text=True)
    assert "Бит табылманы" in client.get("/missing").get_data(as_text=True)


def test_russian_is_the_default_language(make_app):
    page = make_app([]).test_client().get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page and "Вход в электронную школу" in page


def test_times_are_shown_in_the_regions_time_zone(make_app):
    import datetime as dt

    from flask import render_template_string

    late_evening_utc = dt.datetime(2026, 11, 24, 21, 30)
    for zone, shown in (("Europe/Moscow", "25.11.2026 00:30"), ("Asia/Vladivostok", "25.11.2026 07:30"),
                        ("Europe/Kaliningrad", "24.11.2026 23:30")):
        app = make_app([], core={"timezone": zone})
        with app.test_request_context():
            assert render_template_string("{{ t|local_time }}", t=late_evening_utc) == shown
            assert render_template_string("{{ t|local_time('%d.%m') }}|{{ none|local_time }}",
                                          t=late_evening_utc) == shown[:5] + "|"


def test_python_and_templates_translate_through_the_same_catalogue(make_app, tmp_path):
    """core.i18n answers as Flask-Babel would — variables, plural forms, no app — from one catalogue per app."""
    import flask_babel

    from core import i18n

    folder = tmp_path / "translations" / "ba" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="ba")
    catalog.add("Привет, %(name)s", "Сәләм, %(name)s")
    catalog.add(("%(num)d отметка", "%(num)d отметок"), ("%(num)d билдә", "%(num)d билдәләр"))
    with open(folder / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    app = make_app([], core={"language": "ba", "translations": str(tmp_path / "translations")})
    with app.test_request_context():
        for ours, theirs in ((i18n.gettext("Привет, %(name)s", name="Айгуль"),
                              flask_babel.gettext("Привет, %(name)s", name="Айгуль")),
                             (i18n.ngettext("%(num)d отметка", "%(num)d отметок", 1),
                              flask_babel.ngettext("%(num)d отметка", "%(num)d отметок", 1)),
                             (i18n.ngettext("%(num)d отметка", "%(num)d отметок", 5),
                              flask_babel.ngettext("%(num)d отметка", "%(num)d отметок", 5)),
                             (i18n.gettext("Не переведено"), flask_babel.gettext("Не переведено"))):
            assert ours == theirs
        assert i18n.gettext("Привет, %(name)s", name="Айгуль") == "Сәләм, Айгуль"
        assert i18n.ngettext("%(num)d отметка", "%(num)d отметок", 5) == "5 билдәләр"
        assert str(i18n.lazy_gettext("Привет, %(name)s", name="Ай")) == "Сәләм, Ай"
        assert app.jinja_env.from_string("{{ _('Привет, %(name)s', name='Ай') }}").render() == "Сәләм, Ай"
    # outside any app: the text as written, as Flask-Babel gives it
    assert i18n.gettext("Привет, %(name)s", name="Ай") == "Привет, Ай"
    assert i18n.ngettext("%(num)d отметка", "%(num)d отметок", 2) == "2 отметок"


def test_a_template_text_with_variables_escapes_them_on_every_use(make_app):
    """The kept pattern is filled anew each time: a value is escaped, and one page's value never sticks."""
    app = make_app([])
    template = app.jinja_env.from_string("{{ _('Прошлый просмотр: %(at)s.', at=value) }}")
    with app.test_request_context():
        assert template.render(value="<b>") == "Прошлый просмотр: &lt;b&gt;."
        assert template.render(value="вчера") == "Прошлый просмотр: вчера."
