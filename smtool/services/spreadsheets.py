"""CSV files the way offices make them: read whatever form a spreadsheet saved, write the form a
Latvian Excel opens as columns.

Excel with Latvian regional settings saves "CSV" with semicolons between cells (the comma is the
decimal separator there), often with a byte order mark, and "CSV (MS-DOS)" or older versions in
Windows-1257, the Baltic code page. Reading detects the delimiter, the BOM and the encoding and says
which it used, so that a wrong guess is visible; nothing is ever silently mis-decoded, because a
file that is neither valid UTF-8 nor Windows-1257 is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from smtool.errors import UsageError
from smtool.i18n import _

__all__ = ["CsvForm", "CsvTable", "decode_csv", "excel_csv"]

_BOM = b"\xef\xbb\xbf"
_DELIMITERS = (",", ";")


@dataclass(frozen=True)
class CsvForm:
    """How a CSV file was written: its encoding, whether it starts with a BOM, its delimiter."""

    encoding: str
    """"utf-8" or "cp1257" (Windows-1257)."""
    bom: bool
    delimiter: str

    def describe(self) -> str:
        """The form in words, for the person who gave the file ("UTF-8 with a BOM, semicolons")."""
        encoding = "UTF-8" if self.encoding == "utf-8" else "Windows-1257"
        if self.bom:
            encoding = _("{encoding} with a BOM").format(encoding=encoding)
        cells = _("semicolons") if self.delimiter == ";" else _("commas")
        return _("{encoding}, cells separated by {cells}").format(encoding=encoding, cells=cells)


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: its form, its header row, and each row keyed by the header with the line
    it ends on (as a spreadsheet numbers lines, the header being line 1)."""

    form: CsvForm
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def decode_csv(data: bytes, source: str, header: Sequence[str]) -> CsvTable:
    """The CSV file `data` (named `source` in messages) and the form it was read in. The delimiter
    is the one (comma or semicolon) under which the header row names every column of `header`;
    failing that, the one that splits it into more cells.

    Raises UsageError when the bytes are neither UTF-8 nor Windows-1257, or the file is not CSV.
    """
    bom = data.startswith(_BOM)
    body = data[len(_BOM) :] if bom else data
    try:
        text, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = body.decode("cp1257"), "cp1257"
        except UnicodeDecodeError:
            raise UsageError(
                _("{source} is neither UTF-8 nor Windows-1257 text; save it as CSV UTF-8").format(
                    source=source
                )
            ) from None
    form = CsvForm(encoding, bom, _delimiter(text, header))
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=form.delimiter)
        rows = [(reader.line_num, row) for row in reader]
        names = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as e:
        raise UsageError(
            _("{source} is not a readable CSV file ({form}): {reason}").format(
                source=source, form=form.describe(), reason=e
            )
        ) from None
    return CsvTable(form, names, rows)


def _delimiter(text: str, header: Sequence[str]) -> str:
    first = text.splitlines()[0] if text else ""
    split = {d: next(csv.reader([first], delimiter=d), []) for d in _DELIMITERS}
    for delimiter, cells in split.items():
        if set(header) <= {c.strip() for c in cells}:
            return delimiter
    return max(_DELIMITERS, key=lambda d: len(split[d]))


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file as Excel with Latvian settings opens it: UTF-8 with a BOM, semicolons, CRLF line
    ends and decimal commas in numbers (a decimal point would read as text or a date there)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_excel_value(v) for v in row] for row in rows)
    return _BOM + out.getvalue().encode("utf-8")


def _excel_value(value: object) -> object:
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value
