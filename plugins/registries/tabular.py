"""CSV and XLSX files of the registries: columns, reading, and writing with formulas neutralised."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.api import Workbook, csv_bytes
from core.api import lazy_gettext as _l

XLSX_MAGIC = b"PK\x03\x04"
XLSX_MAX_UNPACKED = 200 * 1024 * 1024
XLSX_MAX_MEMBERS = 200

# kind → ordered (key, Russian column header); the header row of every template and export.
COLUMNS: dict[str, tuple[tuple[str, Any], ...]] = {
    "students": (
        ("last_name", _l("Фамилия")),
        ("first_name", _l("Имя")),
        ("middle_name", _l("Отчество")),
        ("birth_date", _l("Дата рождения")),
        ("gender", _l("Пол")),
        ("snils", _l("СНИЛС")),
        ("school_class", _l("Класс")),
        ("status", _l("Статус")),
    ),
    "parents": (
        ("last_name", _l("Фамилия")),
        ("first_name", _l("Имя")),
        ("middle_name", _l("Отчество")),
        ("snils", _l("СНИЛС")),
        ("birth_date", _l("Дата рождения")),
        ("phone", _l("Телефон")),
        ("email", _l("Эл. почта")),
    ),
    "links": (
        ("parent_snils", _l("СНИЛС родителя")),
        ("student_last_name", _l("Фамилия ребёнка")),
        ("student_first_name", _l("Имя ребёнка")),
        ("student_middle_name", _l("Отчество ребёнка")),
        ("student_birth_date", _l("Дата рождения ребёнка")),
        ("student_snils", _l("СНИЛС ребёнка")),
        ("relation", _l("Кем приходится")),
    ),
}
KIND_TITLES = {"students": _l("Обучающиеся"), "parents": _l("Родители"), "links": _l("Связи родитель–ребёнок")}
# Canonical Russian headers, accepted even when the interface is translated (i18n: data).
CANONICAL = {
    "Фамилия": "last_name", "Имя": "first_name", "Отчество": "middle_name", "Дата рождения": "birth_date",
    "Пол": "gender", "СНИЛС": "snils", "Класс": "school_class", "Статус": "status", "Телефон": "phone",
    "Эл. почта": "email", "СНИЛС родителя": "parent_snils", "Фамилия ребёнка": "student_last_name",
    "Имя ребёнка": "student_first_name", "Отчество ребёнка": "student_middle_name",
    "Дата рождения ребёнка": "student_birth_date", "СНИЛС ребёнка": "student_snils",
    "Кем приходится": "relation",
}


class FileError(ValueError):
    """The file as a whole cannot be read; the message is Russian."""


@dataclass
class Sheet:
    """One table of an uploaded file: its kind, its columns (keys) and numbered rows."""

    name: str
    kind: str
    keys: list[str | None]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def header_label(kind: str, key: str) -> str:
    return str(dict(COLUMNS[kind]).get(key, key))


def header_key(text: Any) -> str | None:
    """The column key for a header cell: the key itself, the canonical or the translated header."""
    # i18n: data — «ё» and «е» are one letter in headers
    label = " ".join(str(text or "").replace("ё", "е").replace("Ё", "Е").split()).strip().lower()
    for key_text, key in CANONICAL.items():
        if key_text.replace("ё", "е").lower() == label:  # i18n: data
            return key
    for columns in COLUMNS.values():
        for key, title in columns:
            if label in (key, str(title).replace("ё", "е").lower()):  # i18n: data
                return key
    return None


def detect_kind(keys: Iterable[str | None]) -> str | None:
    present = set(k for k in keys if k)
    if "parent_snils" in present:
        return "links"
    if "gender" in present or "school_class" in present or "status" in present:
        return "students"
    if "snils" in present and "last_name" in present:
        return "parents"
    return None


def read_file(filename: str, data: bytes, kind: str | None = None) -> list[Sheet]:
    """Read a CSV or XLSX upload into sheets; the kind of each comes from its headers (or ``kind``)."""
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data, kind)
    if filename.lower().endswith(".xlsx"):
        raise FileError(str(_l("Файл назван .xlsx, но не является книгой Excel.")))
    return [read_csv(filename, data, kind)]


def decode(data: bytes) -> str:
    if b"\0" in data[:4096]:
        raise FileError(str(_l("Файл не похож на CSV: загрузите CSV или XLSX.")))
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(str(_l("Не удалось прочитать кодировку файла: сохраните его в UTF-8.")))


def read_csv(filename: str, data: bytes, kind: str | None = None) -> Sheet:
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise FileError(str(_l("Файл пуст.")))
    return make_sheet(filename, header, ((n, row) for n, row in enumerate(reader, start=2)), kind)


def make_sheet(name: str, header: list[Any], rows: Iterator[tuple[int, list[Any]]], kind: str | None) -> Sheet:
    keys = [header_key(h) for h in header]
    found = kind or detect_kind(keys)
    if found is None:
        raise FileError(str(_l("Не удалось понять, что в таблице «%(name)s»: первая строка должна содержать "
                               "заголовки столбцов, как в шаблоне.", name=name)))
    wanted = {key for key, _ in COLUMNS[found]}
    unknown = [str(h) for h, k in zip(header, keys, strict=False)
               if (k is None or k not in wanted) and str(h or "").strip()]
    if unknown:
        raise FileError(str(_l("В таблице «%(name)s» есть столбцы, которых нет в шаблоне: %(cols)s.",
                               name=name, cols=", ".join(unknown))))
    sheet = Sheet(name, found, keys)
    for number, values in rows:
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        sheet.rows.append((number, {k: v for k, v in zip(keys, values, strict=False) if k}))
    return sheet


def read_xlsx(data: bytes, kind: str | None = None) -> list[Sheet]:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileError(str(_l("Файл XLSX повреждён."))) from None
    if len(members) > XLSX_MAX_MEMBERS or sum(i.file_size for i in members) > XLSX_MAX_UNPACKED:
        raise FileError(str(_l("Файл XLSX слишком велик в распакованном виде.")))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise FileError(str(_l("Файл XLSX не удалось прочитать."))) from None
    sheets = []
    try:
        for ws in book.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header or not any(header):
                continue
            sheets.append(make_sheet(ws.title, list(header), ((n, list(r)) for n, r in enumerate(rows, start=2)),
                                     kind))
    finally:
        book.close()
    if not sheets:
        raise FileError(str(_l("Файл пуст.")))
    return sheets


def write_csv(kind: str, rows: Iterable[dict[str, Any]]) -> bytes:
    """A CSV for Russian Excel through the core's writer (user text kept inert)."""
    keys = [key for key, _ in COLUMNS[kind]]
    return csv_bytes([title for _, title in COLUMNS[kind]], ([row.get(k) for k in keys] for row in rows))


def write_xlsx(tables: dict[str, Iterable[dict[str, Any]]]) -> bytes:
    """An XLSX with one sheet per kind, streamed through the core's writer (user text kept inert)."""
    book = Workbook(streaming=True)
    for kind, rows in tables.items():
        sheet = book.sheet(str(KIND_TITLES[kind]))
        sheet.append([str(title) for _, title in COLUMNS[kind]])
        keys = [key for key, _ in COLUMNS[kind]]
        for row in rows:
            sheet.append([row.get(k) for k in keys])
    return book.to_bytes()
