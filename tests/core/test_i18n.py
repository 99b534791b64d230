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
