"""The one writer of every spreadsheet and CSV the platform gives out.

Text in a cell is what people typed (a school's short name, a topic, a surname),
so it is kept inert wherever it ends up:

- a text starting with ``= + - @`` (or a tab or CR) gets a leading ``'``, so Excel and
  LibreOffice show it instead of running it as a formula (CSV injection, OWASP);
  ``unquote_cell`` undoes this when such a file is imported back;
- XLSX text cells are written as strings, never as formulas;
- control characters already stored are dropped, so openpyxl cannot refuse the
  whole file (``IllegalCharacterError``) because of one pasted character.

Figures stay figures: a ``Decimal`` (an average, a share in per cent) is a numeric XLSX cell with a number
format of its places (``0.00``), which Excel shows with the reader's decimal comma; in a CSV for Russian
Excel it is written with a decimal comma («3,82», ``core.formatting``), which Excel reads as a number.

Plugins use it through ``core.api``: ``Workbook``, ``csv_bytes``, ``inert``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from core.formatting import format_number
from core.inputs import without_controls

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
SHEET_TITLE_RE = re.compile(r"[\[\]:*?/\\]")


def neutralise_cell(value: Any) -> Any:
    """Make a text cell inert for spreadsheets: a leading ``= + - @``, tab, CR or NUL gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_cell(value: str) -> str:
    """Undo ``neutralise_cell``, so re-importing an export reads the original value."""
    if value.startswith("'") and value[1:2] and value[1:2] in "".join(FORMULA_STARTS):
        return value[1:]
    return value


def inert(value: Any) -> Any:
    """A cell value as it is written: text without control characters and neutralised; dates as ДД.ММ.ГГГГ."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str):
        return neutralise_cell(without_controls(value))
    if isinstance(value, int | float):
        return value
    return neutralise_cell(without_controls(str(value)))  # Decimal, lazy strings, anything else as text


def places(value: Decimal) -> int:
    """How many decimal places a stored ``Decimal`` has (``Decimal("3.80")`` → 2)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def csv_cell(value: Any) -> Any:
    """A CSV cell: a fractional figure with the decimal comma Russian Excel reads as a number; else ``inert``."""
    if isinstance(value, Decimal) and value.is_finite():
        return format_number(value, digits=places(value), grouping=False)
    if isinstance(value, float):
        return format_number(value, digits=6, grouping=False)
    return inert(value)


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV for Russian Excel: UTF-8 with BOM, ``;`` separated, CRLF, every cell ``inert``, decimal commas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([inert(str(h)) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_title(title: str) -> str:
    """A title Excel accepts: no ``[]:*?/\\``, at most 31 characters, never empty."""
    return SHEET_TITLE_RE.sub(" ", without_controls(str(title))).strip()[:31] or "—"


class Sheet:
    """One worksheet: ``append`` rows, or ``put`` cells (not in a streaming workbook); ``width`` of a column."""

    def __init__(self, ws: Any, streaming: bool):
        self._ws, self._streaming, self._rows = ws, streaming, 0

    def append(self, values: Iterable[Any], bold: bool = False) -> None:
        self._rows += 1
        if self._streaming:
            self._ws.append([self._write_only_cell(v, bold) for v in values])
        else:
            for column, value in enumerate(values, start=1):
                self.put(self._rows, column, value, bold)

    def put(self, row: int, column: int, value: Any, bold: bool = False) -> None:
        if self._streaming:
            raise TypeError("a streaming workbook is written row by row (append)")
        self._rows = max(self._rows, row)
        cell = self._ws.cell(row=row, column=column)
        self._fill(cell, value, bold)

    def width(self, column: int, chars: float) -> None:
        from openpyxl.utils import get_column_letter

        self._ws.column_dimensions[get_column_letter(column)].width = chars

    def _write_only_cell(self, value: Any, bold: bool) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._ws)
        self._fill(cell, value, bold)
        return cell

    @staticmethod
    def _fill(cell: Any, value: Any, bold: bool) -> None:
        if isinstance(value, Decimal) and value.is_finite():  # a figure, shown with its places
            digits = places(value)
            cell.value = float(value)
            cell.number_format = "0." + "0" * digits if digits else "0"
            value = cell.value
        else:
            value = None if value is None else inert(value)  # an empty cell stays empty
            cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would make «=…» a formula
        if bold:
            from openpyxl.styles import Font

            cell.font = Font(bold=True)


class Workbook:
    """An XLSX workbook whose every cell goes through ``inert``.

    ``streaming=True`` keeps memory flat for big exports (rows are written as they come,
    ``put`` is not available).
    """

    def __init__(self, streaming: bool = False):
        import openpyxl

        self._book = openpyxl.Workbook(write_only=streaming)
        self._streaming = streaming
        self._titles: set[str] = set()
        if not streaming:
            self._book.remove(self._book.active)

    def sheet(self, title: str) -> Sheet:
        """A new sheet; a title already taken gets « 2», « 3» …"""
        base = sheet_title(title)
        name, n = base, 2
        while name.lower() in self._titles:
            suffix = f" {n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        self._titles.add(name.lower())
        return Sheet(self._book.create_sheet(name), self._streaming)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()
