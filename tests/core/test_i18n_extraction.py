"""`make messages` extracts every string a person sees, and nothing Russian hides outside gettext.

The rule (docs/region-config.md, "Translating"): a Cyrillic literal in Python or in a template is inside a
gettext call (``_``, ``_l``, ``gettext``, ``lazy_gettext``, ``ngettext``; ``{{ _("…") }}`` or ``{% trans %}``
in templates), or it is a docstring or comment, or the statement carries ``# i18n: data`` (on its first line
or the line above; in a template ``{# i18n: data #}`` on the line): words people type or files carry, parsed
rather than shown, or defaults seeded as records a school edits. Demo generators, the ESIA emulator (a
stand-in for Gosuslugi, not this platform's interface) and the test kit are out of scope.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import nodes

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "core", ROOT / "plugins", ROOT / "examples" / "eschool-auth-demo" / "eschool_auth_demo"]
EXTRACTED = [ROOT / "core", ROOT / "plugins"]  # the example package would ship its own catalogue
OUT_OF_SCOPE = ("demo.py", "demo_names.py", "/emulator/", "/core/testing/")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}
MARK = "i18n: data"


def in_scope(path: Path) -> bool:
    return not any(part in path.as_posix() for part in OUT_OF_SCOPE)


def files(roots, suffix):
    return [p for root in roots for p in sorted(root.rglob(f"*{suffix}")) if in_scope(p)]


def _call_name(call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def python_strings(path: Path) -> tuple[list[tuple[int, str]], set[str]]:
    """(Cyrillic literals outside gettext, docstrings and marked statements; the msgids of gettext calls)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    exempt: set[int] = set()
    msgids: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                exempt.add(id(first.value))
        if isinstance(node, ast.Call) and _call_name(node) in GETTEXT:
            for arg in node.args[:2] if _call_name(node) in ("ngettext", "lazy_ngettext") else node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    msgids.add(arg.value)
                    exempt.add(id(arg))
                else:
                    msgids.add(f"<not a plain literal at {path}:{arg.lineno}>")

    def marked(stmt) -> bool:
        around = lines[max(stmt.lineno - 2, 0):stmt.lineno]
        return any(MARK in line for line in around)

    found = []

    def visit(node, stmt):
        if isinstance(node, ast.stmt):
            stmt = node
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and CYRILLIC.search(node.value)
                and id(node) not in exempt and not (stmt is not None and marked(stmt))):
            found.append((node.lineno, node.value))
        for child in ast.iter_child_nodes(node):
            visit(child, stmt)

    visit(tree, None)
    return found, msgids


ENV = jinja2.Environment(extensions=["jinja2.ext.i18n"])


def template_strings(path: Path) -> tuple[list[tuple[int, str]], set[str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ENV.parse(source)
    exempt: set[int] = set()
    msgids: set[str] = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT:
            for arg in call.args[:2] if call.node.name == "ngettext" else call.args[:1]:
                exempt.add(id(arg))
                if isinstance(arg, nodes.Const):
                    msgids.add(arg.value)
    found = []
    for node in tree.find_all((nodes.TemplateData, nodes.Const)):
        value = node.data if isinstance(node, nodes.TemplateData) else node.value
        if isinstance(value, str) and CYRILLIC.search(value) and id(node) not in exempt:
            if MARK not in lines[node.lineno - 1]:
                found.append((node.lineno, value.strip()[:80]))
    return found, msgids


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids of `make messages`, run as the Makefile writes it (into a temporary file)."""
    recipe = ROOT.joinpath("Makefile").read_text(encoding="utf-8").split("\nmessages:", 1)[1]
    extract = next(line.strip() for line in recipe.splitlines() if "pybabel extract" in line)
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    args = shlex.split(extract.replace("$(BIN)/", str(Path(sys.executable).parent) + "/"))
    args[args.index("-o") + 1] = str(pot)
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True, timeout=300)
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    ids = set()
    for message in catalog:
        ids.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return ids - {""}


def test_no_russian_literal_in_python_escapes_gettext():
    stray = [f"{p.relative_to(ROOT)}:{line}: {text[:80]!r}"
             for p in files(SOURCES, ".py") for line, text in python_strings(p)[0]]
    assert stray == [], "wrap these in _() / _l(), or mark data with '# i18n: data':\n" + "\n".join(stray)


def test_no_russian_text_in_templates_escapes_gettext():
    stray = [f"{p.relative_to(ROOT)}:{line}: {text!r}"
             for p in files(SOURCES, ".html") for line, text in template_strings(p)[0]]
    assert stray == [], "wrap these in {{ _('…') }}:\n" + "\n".join(stray)


def test_make_messages_extracts_every_string_python_and_templates_show(extracted):
    shown = set()
    for p in files(EXTRACTED, ".py"):
        shown |= python_strings(p)[1]
    for p in files(EXTRACTED, ".html"):
        shown |= template_strings(p)[1]
    assert len(shown) > 500
    assert sorted(shown - extracted) == []


def test_the_strings_the_issue_named_are_extracted(extracted):
    assert {"Страница не найдена", "Сервис временно недоступен. Попробуйте позже.", "Журнал доступа",
            "СНИЛС должен состоять из 11 цифр, например 112-233-445 95.", "Регион", "%(num)s лет"} <= extracted


def test_a_region_catalogue_rewords_labels_in_russian(make_app, make_user, login, tmp_path):
    folder = tmp_path / "translations" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="ru")
    catalog.add("Журнал доступа", "Кто смотрел данные")
    catalog.add("Страница не найдена", "Нет такой страницы")
    catalog.add("Регион", "Наш край")
    with open(folder / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    app = make_app([], core={"translations": str(tmp_path / "translations"), "region_name": None})
    client = app.test_client()
    login(client, make_user("operator"))

    home = client.get("/").get_data(as_text=True)
    assert "Кто смотрел данные" in home and "Журнал доступа" not in home
    assert "Наш край" in home
    assert "Нет такой страницы" in client.get("/missing").get_data(as_text=True)
    assert "Электронная школа" in home  # what the region did not reword stays


@pytest.mark.parametrize(("years", "months", "text"), [
    (14, 0, "14 лет"), (1, 0, "1 год"), (2, 0, "2 года"), (21, 1, "21 год и 1 месяц"),
    (14, 6, "14 лет и 6 месяцев"), (12, 3, "12 лет и 3 месяца"), (11, 11, "11 лет и 11 месяцев"),
])
def test_russian_plurals_come_from_the_catalogue_through_ngettext(make_app, years, months, text):
    from flask_babel import gettext as _
    from flask_babel import ngettext

    app = make_app([])
    with app.test_request_context():
        shown = ngettext("%(num)s год", "%(num)s лет", years)
        if months:
            shown = _("%(years)s и %(months)s", years=shown,
                      months=ngettext("%(num)s месяц", "%(num)s месяцев", months))
    assert shown == text


def test_the_shipped_catalogue_is_compiled_from_its_source():
    from babel.messages.mofile import read_mo

    folder = ROOT / "core" / "translations" / "ru" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    def entries(catalog):
        return {tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id:
                tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string for m in catalog if m.id}

    assert entries(source) == entries(compiled)


JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\w])//[^\n]*", re.S)


def test_no_russian_text_in_scripts():
    """A script's words come from the page (``data-*`` attributes written with ``_()``) or are put in by its
    view (``self.OFFLINE_TEXT``, ``self.DEFAULT_TITLE``): Russian only in its comments."""
    stray = [f"{p.relative_to(ROOT)}:{n}: {line.strip()[:80]!r}"
             for p in files(SOURCES, ".js")
             for n, line in enumerate(JS_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"),
                                                     p.read_text(encoding="utf-8")).splitlines(), start=1)
             if CYRILLIC.search(line)]
    assert stray == [], "take these from the page or the view, through gettext:\n" + "\n".join(stray)


def test_the_script_check_finds_a_stray_word(tmp_path):
    sample = 'const title = data.title || "Электронная школа"; // «Уведомления»\n/* Пояснение */\n'
    assert CYRILLIC.search(JS_COMMENT.sub("", sample)) and not CYRILLIC.search(JS_COMMENT.sub("", sample.split(";")[1]))
