"""Report files: CSV (the main table), JSON (every table), XLSX (a worksheet per table), HTML.

Spreadsheets run a cell that starts with "=", "+", "-" or "@" as a formula. A post text can start
that way, so CSV text cells that do are prefixed with an apostrophe (OWASP's advice for CSV
injection), and XLSX cells are written as typed strings, never formulas.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from smtool.errors import UsageError
from smtool.i18n import _
from smtool.services.files import CannotWrite, write_whole
from smtool.services.reports.html_page import render_html
from smtool.services.reports.sheets import (
    DAY_COLUMNS,
    TIME_COLUMNS,
    Cell,
    Layout,
    generated_line,
    is_word,
    row_dicts,
)
from smtool.services.spreadsheets import excel_csv

if TYPE_CHECKING:  # openpyxl is imported when an XLSX file is written, not by every report command
    from openpyxl.cell.cell import Cell as SheetCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FileFormat = Literal["csv", "json", "html", "xlsx"]
FILE_FORMATS: tuple[FileFormat, ...] = ("csv", "json", "html", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell) -> Cell:
    """The value, with an apostrophe before text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(layout: Layout) -> str:
    """The report's main table with a header row of its column names."""
    sheet = layout.sheets[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sheet.columns)
    writer.writerows([csv_cell(v) for v in row] for row in sheet.rows)
    return out.getvalue()


def to_excel_csv(layout: Layout) -> bytes:
    """The CSV file as Excel with Latvian settings opens it in columns (services.spreadsheets):
    semicolons, a BOM, decimal commas; the same column names and cells as `to_csv`."""
    sheet = layout.sheets[0]
    return excel_csv(sheet.columns, ([csv_cell(v) for v in row] for row in sheet.rows))


def to_json(layout: Layout) -> str:
    document = {
        "report": layout.kind,
        "period": layout.period.to_dict(),
        "account": layout.account,
        "campaign": layout.campaign,
        "generated_at": layout.generated_at.isoformat(),
        "tables": {sheet.name: row_dicts(sheet) for sheet in layout.sheets},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# The rows above each worksheet's table: the report, what it covers, the table's title, a blank.
XLSX_HEADING_ROWS = 4
_XLSX_TIME = "yyyy-mm-dd hh:mm"
_XLSX_DAY = "yyyy-mm-dd"


def _xlsx_value(column: str, value: Cell) -> tuple[str | float | datetime | None, str | None]:
    """The value to store and its number format: local times and days become date cells (a
    spreadsheet sorts and computes with those, not with text that looks like a date); smtool's own
    words are in the reader's language, as in HTML."""
    if isinstance(value, str) and column in TIME_COLUMNS:
        return datetime.strptime(value, "%Y-%m-%d %H:%M"), _XLSX_TIME
    if isinstance(value, str) and column in DAY_COLUMNS:
        return datetime.strptime(value, "%Y-%m-%d"), _XLSX_DAY
    if isinstance(value, str) and is_word(column, value):
        return _(value), None
    return value, None


def _text_cell(page: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> SheetCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(page, value)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)
    return cell


def to_xlsx(layout: Layout, institution: str) -> bytes:
    """A workbook with one worksheet per table: the report's title and period first, then the
    table's title, then its header row in words and its rows, times as date cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    book.properties.title = f"{layout.title}, {layout.period.label}"
    book.properties.creator = institution
    for sheet in layout.sheets:
        page = book.create_sheet(sheet.name[:31])
        page.append([_text_cell(page, f"{institution}: {layout.title}", bold=True)])
        page.append([_text_cell(page, generated_line(layout))])
        page.append([_text_cell(page, sheet.title, bold=True)])
        page.append([])
        page.append([_text_cell(page, h, bold=True) for h in sheet.headings])
        for row in sheet.rows:
            cells = []
            for column, raw in zip(sheet.columns, row, strict=True):
                value, number_format = _xlsx_value(column, raw)
                if isinstance(value, str):
                    cells.append(_text_cell(page, value))
                    continue
                cell = WriteOnlyCell(page, value)
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            page.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(layout: Layout, fmt: FileFormat, institution: str, *, excel: bool = False) -> bytes:
    """The report file's bytes (text formats as UTF-8); `excel`: the CSV in Excel's Latvian form."""
    if fmt == "xlsx":
        return to_xlsx(layout, institution)
    if fmt == "csv":
        return to_excel_csv(layout) if excel else to_csv(layout).encode("utf-8")
    if fmt == "json":
        return to_json(layout).encode("utf-8")
    return render_html(layout, institution).encode("utf-8")


def check_destination(path: Path) -> None:
    """Raise UsageError unless `path` names a new file in a folder that exists: what a person names
    with `report -o` is never created folders for (a typo in the path is refused, not made) nor
    written over (as `archive export` and `audit checkpoint`). Checked before a report is built, and
    again by `write_file`."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(_("{file} is a folder; give the name of a file to write").format(file=path))
    if path.exists() or path.is_symlink():
        raise UsageError(
            _("{file} already exists; choose another file name or remove it first").format(file=path)
        )
    if not folder.is_dir():
        if folder.exists():
            raise UsageError(
                _("cannot write {file}: {folder} is not a folder").format(file=path, folder=folder)
            )
        raise UsageError(
            _("cannot write {file}: {folder} does not exist; create it first").format(
                file=path, folder=folder
            )
        )


def write_file(path: Path, data: bytes, *, new: bool) -> None:
    """Write the report file whole or not at all (services.files).

    `new`: a file a person names, which must not exist, in a folder that does (`check_destination`).
    Otherwise the worker's own [reports] folder: made if missing, a file of a failed run replaced.
    Raises UsageError when the file cannot be written there.
    """
    if new:
        check_destination(path)
    try:
        if not new:
            path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only, as report files have always been (a mkstemp file renamed into place).
        write_whole(path, data, mode=0o600, overwrite=not new)
    except (OSError, CannotWrite) as e:
        reason = e.reason if isinstance(e, CannotWrite) else e.strerror
        raise UsageError(
            _("cannot write {file}: {reason}; choose another file or folder").format(file=path, reason=reason)
        ) from None
