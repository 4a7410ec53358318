"""A report as one self-contained, printable HTML file: inline CSS, inline SVG charts, no scripts,
nothing fetched. Every text from the store (post texts, names, handles) is HTML-escaped."""

from __future__ import annotations

from html import escape

from smtool.i18n import _, current, format_decimal
from smtool.services.reports.sheets import Cell, Layout, Sheet, generated_line, shown_cell
from smtool.services.reports.svg import chart_svg

# A table longer than this is cut in the HTML (the CSV and XLSX hold every row).
HTML_ROWS = 500

_STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; color: #1b1b1b; margin: 2em auto; max-width: 60em; }
h1 { font-size: 18pt; margin-bottom: 0; } h2 { font-size: 13pt; margin-top: 1.6em; }
.meta { color: #555; margin-top: .2em; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id { overflow-wrap: anywhere; }
table.wide { font-size: 7.5pt; page: wide; }
table.wide th, table.wide td { padding: 2px 3px; }
svg.chart { width: 100%; height: auto; margin: .6em 0; }
svg.chart text { font: 10px sans-serif; fill: #333; }
svg.chart .chart-title { font-size: 12px; font-weight: bold; }
svg.chart .grid { stroke: #e3e3e3; }
.note { color: #777; font-size: 9pt; }
@page { size: A4; margin: 15mm; }
@page wide { size: A4 landscape; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; } h2, svg.chart { break-after: avoid; } tr { break-inside: avoid; }
}
"""


# A table with more columns than this is set smaller and printed on a landscape page (the posts
# table has sixteen); with its headings in words and long ids allowed to break, it fits the page.
WIDE_COLUMNS = 10


def _cell(value: Cell, percent: bool, column: str = "") -> str:
    shown = escape(shown_cell(value, column, percent))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{shown}</td>'
    if column.endswith("_id"):  # a platform id has no spaces to wrap at
        return f'<td class="id">{shown}</td>'
    return f"<td>{shown}</td>"


def _table(sheet: Sheet) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in sheet.headings)
    body = [
        "<tr>"
        + "".join(_cell(v, sheet.is_share(n, c), c) for c, v in zip(sheet.columns, row, strict=True))
        + "</tr>"
        for n, row in enumerate(sheet.rows[:HTML_ROWS])
    ]
    more = _("The first {shown} of {rows} rows; the CSV or XLSX file has all.").format(
        shown=HTML_ROWS, rows=format_decimal(len(sheet.rows), 0)
    )
    note = f'<p class="note">{escape(more)}</p>' if len(sheet.rows) > HTML_ROWS else ""
    empty = "" if sheet.rows else f'<p class="note">{escape(_("Nothing in this period."))}</p>'
    wide = ' class="wide"' if len(sheet.columns) > WIDE_COLUMNS else ""
    table = f"<table{wide}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f"<h2>{escape(sheet.title)}</h2>{empty}{table}{note}"


def render_html(layout: Layout, institution: str) -> str:
    """The whole report page."""
    title = f"{escape(institution)}: {escape(layout.title)}"
    return "".join(
        [
            f'<!DOCTYPE html>\n<html lang="{current()}"><head><meta charset="utf-8">',
            f"<title>{title}, {escape(layout.period.label)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{title}</h1>",
            f'<p class="meta">{escape(generated_line(layout))}</p>',
            *(chart_svg(chart) for chart in layout.charts),
            *(_table(sheet) for sheet in layout.sheets),
            "</body></html>\n",
        ]
    )
