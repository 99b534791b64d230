"""CSV and XLSX files of the registries: columns, reading, and writing with formulas neutralised."""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

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


# Limits checked while a file is streamed, before anything is parsed into rows or written.
MAX_COLUMNS = 50
MAX_CELL_CHARS = 10_000  # XLSX cells; a CSV field is limited by the csv module (128 KiB)
ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")  # a worksheet's rows, with or without a namespace prefix
CHUNK_BYTES = 1 << 20


@dataclass
class Sheet:
    """One table of an uploaded file: its kind, its columns (keys) and its numbered rows, streamed.

    ``rows`` gives a fresh iterator over ``(row number, {key: cell})`` each time it is read,
    so a file of any size is never held in memory as rows; ``count`` is the number of
    lines after the header (blank ones included), known before any row is read.
    """

    name: str
    kind: str
    keys: list[str | None]
    count: int = 0
    source: Callable[[], Iterator[tuple[int, list[Any]]]] | None = None

    @property
    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        keys = [(i, k) for i, k in enumerate(self.keys) if k]
        every_column_named = len(keys) == len(self.keys)
        for number, values in self.source():
            if not any(map(filled, values)):
                continue
            if every_column_named and len(values) == len(self.keys):  # the usual row, at C speed
                yield number, dict(zip(self.keys, values, strict=True))
                continue
            width = len(values)
            yield number, {k: values[i] for i, k in keys if i < width}


def filled(value: Any) -> bool:
    """A cell that holds something other than blanks."""
    return value not in (None, "") and bool(str(value).strip())


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


Source = bytes | str | os.PathLike | BinaryIO


def opener(data: Source) -> Callable[[], BinaryIO]:
    """A function that opens the upload again from its start: bytes, a path, or a seekable binary file."""
    if isinstance(data, (bytes, bytearray)):
        return lambda: io.BytesIO(data)
    if isinstance(data, (str, os.PathLike)):
        return lambda: open(data, "rb")  # noqa: SIM115 - closed by the reader

    def reopen() -> BinaryIO:
        data.seek(0)
        return _Unclosed(data)

    return reopen


class _Unclosed(io.BufferedIOBase):
    """A view of a caller's file object that a reader may "close" without closing the file."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self.raw.read(size)

    def read1(self, size: int = -1) -> bytes:
        return self.raw.read(size)

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()


def read_file(filename: str, data: Source, kind: str | None = None, max_rows: int | None = None) -> list[Sheet]:
    """Open a CSV or XLSX upload as sheets; the kind of each comes from its headers (or ``kind``).

    ``data`` is the file's bytes, its path, or a seekable binary file. Only the
    headers are parsed here, and the rows counted (a file over ``max_rows`` data
    rows, a field over the limits, a broken encoding are refused now, before any
    row is checked); the rows themselves are streamed by ``Sheet.rows``.
    """
    open_ = opener(data)
    with open_() as stream:
        magic = stream.read(4)
    if magic == XLSX_MAGIC:
        sheets = read_xlsx(open_, kind, None if max_rows is None else max_rows + 1)
    elif filename.lower().endswith(".xlsx"):
        raise FileError(str(_l("Файл назван .xlsx, но не является книгой Excel.")))
    else:
        sheets = [read_csv(filename, open_, kind)]
    total = sum(s.count for s in sheets)
    if max_rows is not None and total > max_rows:
        raise FileError(str(_l("В файле больше %(n)s строк: разделите его на части.", n=max_rows)))
    return sheets


def text_stream(open_: Callable[[], BinaryIO]) -> io.TextIOWrapper:
    """The file as text: UTF-8 (with or without BOM) or Windows-1251, told from its first megabyte."""
    stream = open_()
    head = stream.read(CHUNK_BYTES)
    stream.seek(0)
    if b"\0" in head[:4096]:
        stream.close()
        raise FileError(str(_l("Файл не похож на CSV: загрузите CSV или XLSX.")))
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1251"
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def csv_records(open_: Callable[[], BinaryIO], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Numbered records of a CSV (the header is record 1); a broken file raises ``FileError``."""
    number = 1
    with text_stream(open_) as text:
        try:
            for number, record in enumerate(csv.reader(text, delimiter=delimiter), start=1):
                yield number, record
        except csv.Error:
            raise FileError(str(_l("Строка %(n)s: поле длиннее 128 КБ или незакрытые кавычки — это не таблица "
                                   "реестра.", n=number + 1))) from None
        except UnicodeDecodeError:
            raise FileError(str(_l("Не удалось прочитать кодировку файла: сохраните его в UTF-8."))) from None


def read_csv(filename: str, open_: Callable[[], BinaryIO], kind: str | None = None) -> Sheet:
    with text_stream(open_) as text:
        try:
            first = text.readline()
        except UnicodeDecodeError:
            raise FileError(str(_l("Не удалось прочитать кодировку файла: сохраните его в UTF-8."))) from None
    delimiter = max((";", ",", "\t"), key=first.count)
    records = csv_records(open_, delimiter)
    header = next(records, (1, None))[1]
    if not header:
        raise FileError(str(_l("Файл пуст.")))
    count = sum(1 for _ in records)  # a pass at C speed: the limits and a broken file are found before any row

    def rows() -> Iterator[tuple[int, list[Any]]]:
        body = csv_records(open_, delimiter)
        next(body, None)
        yield from body

    return make_sheet(filename, header, rows, kind, count)


def make_sheet(name: str, header: list[Any], rows: Callable[[], Iterator[tuple[int, list[Any]]]],
               kind: str | None, count: int) -> Sheet:
    while header and header[-1] in (None, ""):
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise FileError(str(_l("В таблице «%(name)s» больше %(n)s столбцов: это не таблица реестра.",
                               name=name, n=MAX_COLUMNS)))
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
    return Sheet(name, found, keys, count, rows)


def xlsx_row_count(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: list[int], limit: int | None) -> int:
    """Rows (``<row>`` elements) of one archive member, counted on the decompressed stream in fixed memory.

    ``budget`` holds the bytes the whole archive may still unpack: the real
    decompressed size is counted, not the size the archive claims. Counting
    stops as soon as it passes ``limit``.
    """
    count, tail = 0, b""
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise FileError(str(_l("Файл XLSX слишком велик в распакованном виде.")))
            data = tail + chunk
            count += sum(data.count(tag) - tail.count(tag) for tag in ROW_TAGS)
            tail = data[-8:]
            if limit is not None and count > limit:
                break
    return count


def read_xlsx(open_: Callable[[], BinaryIO], kind: str | None = None, max_rows: int | None = None) -> list[Sheet]:
    import openpyxl

    with open_() as stream:
        try:
            archive = zipfile.ZipFile(stream)
            members = archive.infolist()
        except zipfile.BadZipFile:
            raise FileError(str(_l("Файл XLSX повреждён."))) from None
        if len(members) > XLSX_MAX_MEMBERS or sum(i.file_size for i in members) > XLSX_MAX_UNPACKED:
            raise FileError(str(_l("Файл XLSX слишком велик в распакованном виде.")))
        budget = [XLSX_MAX_UNPACKED]
        try:
            counts = {i.filename: xlsx_row_count(archive, i, budget, max_rows) for i in members if not i.is_dir()}
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
            raise FileError(str(_l("Файл XLSX повреждён."))) from None
    if max_rows is not None and sum(counts.values()) > max_rows:  # refused before openpyxl reads a byte of it
        raise FileError(str(_l("В файле больше %(n)s строк: разделите его на части.", n=max_rows - 1)))

    def book_of():
        try:
            return openpyxl.load_workbook(open_(), read_only=True, data_only=True)
        except Exception:
            raise FileError(str(_l("Файл XLSX не удалось прочитать."))) from None

    book = book_of()
    sheets = []
    try:
        for index, ws in enumerate(book.worksheets):
            header = next(ws.iter_rows(values_only=True, max_row=1, max_col=MAX_COLUMNS + 1), None)
            if not header or not any(header):
                continue
            count = counts.get(str(getattr(ws, "_worksheet_path", "")).lstrip("/"), 0) - 1
            sheets.append(make_sheet(ws.title, list(header), xlsx_rows(book_of, index), kind, max(count, 0)))
    finally:
        book.close()
    if not sheets:
        raise FileError(str(_l("Файл пуст.")))
    return sheets


def xlsx_rows(book_of: Callable[[], Any], index: int) -> Callable[[], Iterator[tuple[int, list[Any]]]]:
    def rows() -> Iterator[tuple[int, list[Any]]]:
        book = book_of()
        try:
            ws = book.worksheets[index]
            ws.reset_dimensions()  # the <dimension> a file declares may lie; read the rows that are there
            for number, values in enumerate(ws.iter_rows(values_only=True, min_row=2, max_col=MAX_COLUMNS),
                                            start=2):
                for value in values:
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        raise FileError(str(_l("Лист «%(name)s», строка %(n)s: ячейка длиннее %(max)s знаков — это "
                                               "не таблица реестра.", name=ws.title, n=number, max=MAX_CELL_CHARS)))
                yield number, list(values)
        finally:
            book.close()

    return rows


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
