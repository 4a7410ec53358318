"""Report files: CSV (the main table), JSON (every table), XLSX (a worksheet per table), HTML.

Spreadsheets run a cell that starts with "=", "+", "-" or "@" as a formula. A post text can start
that way, so CSV text cells that do are prefixed with an apostrophe (OWASP's advice for CSV
injection), and XLSX cells are written as typed strings, never formulas.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Literal

from smtool.errors import UsageError
from smtool.services.files import CannotWrite, write_whole
from smtool.services.reports.html_page import render_html
from smtool.services.reports.sheets import Cell, Layout, row_dicts

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


def to_xlsx(layout: Layout, institution: str) -> bytes:
    """A workbook with one worksheet per table (header row first)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    book.properties.title = f"{layout.title}, {layout.period.label}"
    book.properties.creator = institution
    for sheet in layout.sheets:
        page = book.create_sheet(sheet.name[:31])
        page.append(sheet.columns)
        for row in sheet.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(page, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                cells.append(cell)
            page.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(layout: Layout, fmt: FileFormat, institution: str) -> bytes:
    """The report file's bytes (text formats as UTF-8)."""
    if fmt == "xlsx":
        return to_xlsx(layout, institution)
    if fmt == "csv":
        return to_csv(layout).encode("utf-8")
    if fmt == "json":
        return to_json(layout).encode("utf-8")
    return render_html(layout, institution).encode("utf-8")


def write_file(path: Path, data: bytes) -> None:
    """Write the report file whole or not at all (services.files), making its folder if need be.

    Raises UsageError when the folder cannot be made or written, or when `path` is a folder.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only, as report files have always been (a mkstemp file renamed into place).
        write_whole(path, data, mode=0o600)
    except (OSError, CannotWrite) as e:
        reason = e.reason if isinstance(e, CannotWrite) else e.strerror
        raise UsageError(f"cannot write {path}: {reason}; choose another file or folder") from None
