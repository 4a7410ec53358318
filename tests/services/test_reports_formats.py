"""Every report in every format, parsed back: CSV, JSON, XLSX (openpyxl), HTML (html.parser)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from smtool.i18n import speaking
from smtool.services import reports
from smtool.services.context import Context
from smtool.services.reports.formats import XLSX_HEADING_ROWS, render
from smtool.services.reports.period import Period
from tests.support.store_data import add_item, add_post, riga

PERIOD = Period(date(2025, 10, 20), date(2025, 11, 2), "Europe/Riga")
HOSTILE = '<script>alert("x")</script> & "quotes"'
FORMULA = '=HYPERLINK("http://evil.example")'


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.data.append(data)


@pytest.fixture
def seeded(ctx: Context) -> Context:
    add_post(
        ctx,
        "vk-x",
        riga(2025, 10, 21, 10, 0),
        text=HOSTILE,
        campaigns=["EU-1"],
        snapshots=[(riga(2025, 10, 22), {"impressions": 100, "likes": 3, "clicks": 1})],
    )
    add_post(
        ctx,
        "vk-fb",
        riga(2025, 10, 28, 10, 0),
        text=FORMULA,
        campaigns=["EU-1"],
        snapshots=[(riga(2025, 10, 29), {"impressions": 50, "likes": 2})],
    )
    add_item(ctx, "vk-x", riga(2025, 10, 21, 11, 0), first_response_at=riga(2025, 10, 21, 12, 0))
    return ctx


@pytest.mark.parametrize("kind", reports.REPORT_KINDS)
def test_every_format_parses_back(seeded: Context, kind: reports.ReportKind) -> None:
    layout = reports.layout(reports.build(seeded, kind, PERIOD, campaign_tag="EU-1"))
    main = layout.sheets[0]

    rows = list(csv.reader(io.StringIO(render(layout, "csv", "VK").decode("utf-8"))))
    assert rows[0] == main.columns and len(rows) == len(main.rows) + 1

    document = json.loads(render(layout, "json", "VK"))
    assert document["report"] == kind and document["period"]["from"] == "2025-10-20"
    assert list(document["tables"]) == [s.name for s in layout.sheets]
    assert len(document["tables"][main.name]) == len(main.rows)

    book = load_workbook(io.BytesIO(render(layout, "xlsx", "VK")))
    assert book.sheetnames == [s.name for s in layout.sheets]
    header_row = XLSX_HEADING_ROWS + 1
    header = [c.value for c in next(book[main.name].iter_rows(min_row=header_row, max_row=header_row))]
    assert header == main.headings
    assert book[main.name].max_row == XLSX_HEADING_ROWS + len(main.rows) + 1

    page = _Page()
    page.feed(render(layout, "html", "Valsts <kanceleja>").decode("utf-8"))
    assert page.tags.count("svg") == len(layout.charts) >= 1
    assert "script" not in page.tags and page.tags.count("table") == len(layout.sheets)
    assert any("Valsts <kanceleja>" in d for d in page.data)  # escaped, shown as text


def test_post_texts_are_inert_in_every_format(seeded: Context) -> None:
    layout = reports.layout(reports.build(seeded, "engagement", PERIOD))
    page = _Page()
    page.feed(render(layout, "html", "VK").decode("utf-8"))
    assert HOSTILE in "".join(page.data) and "script" not in page.tags
    texts = [r[-1] for r in csv.reader(io.StringIO(render(layout, "csv", "VK").decode("utf-8")))][1:]
    assert texts == [HOSTILE, "'" + FORMULA]  # a spreadsheet would run a leading "="
    sheet = load_workbook(io.BytesIO(render(layout, "xlsx", "VK")))["posts"]
    cell = sheet.cell(row=XLSX_HEADING_ROWS + 3, column=len(layout.sheets[0].columns))
    assert cell.value == FORMULA and cell.data_type == "s"


def test_campaign_indicator_shares_read_as_percentages_in_html(seeded: Context) -> None:
    layout = reports.layout(reports.build(seeded, "campaign", PERIOD, campaign_tag="EU-1"))
    page = _Page()
    page.feed(render(layout, "html", "VK").decode("utf-8"))
    cells = [d for d in page.data if d.strip()]
    # 6 engagements (5 likes, 1 click) of 150 impressions; the files keep the fraction, 0.04.
    at = cells.index("Engagement rate")
    assert cells[at + 1 : at + 3] == ["4.0 %", "%"]
    rows = json.loads(render(layout, "json", "VK"))["tables"]["indicators"]
    assert {"indicator": "Engagement rate", "value": 0.04, "unit": "%"} in rows


def test_every_table_and_its_columns_are_documented_in_the_readme(seeded: Context) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    documented = readme.split("## Reports", 1)[1].split("\n## ", 1)[0]
    for kind in reports.REPORT_KINDS:
        for sheet in reports.layout(reports.build(seeded, kind, PERIOD, campaign_tag="EU-1")).sheets:
            assert f"`{sheet.name}`" in documented, f"{kind}: table {sheet.name} is not in the README"
            columns = ", ".join(sheet.columns)
            assert f"`{columns}`" in documented, f"{kind} {sheet.name}: README lacks `{columns}`"


class _Widths(HTMLParser):
    """The narrowest each column of the posts table can be, in characters, as the page's CSS lets
    it wrap: headings and text at spaces, numbers not at all, platform ids anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.in_posts = False
        self.table_class = ""
        self.cell: tuple[str, str] | None = None
        self.column = 0
        self.widths: dict[int, int] = {}
        self.tables_seen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables_seen += 1
            self.in_posts = self.tables_seen == 1  # the engagement report's first table: posts
            self.table_class = dict(attrs).get("class") or ""
        elif tag == "tr":
            self.column = 0
        elif tag in ("th", "td") and self.in_posts:
            self.cell = (tag, dict(attrs).get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self.in_posts:
            self.column += 1
            self.cell = None
        elif tag == "table":
            self.in_posts = False

    def handle_data(self, data: str) -> None:
        if self.cell is None:
            return
        kind = self.cell[1]
        unbreakable = (
            1 if kind == "id" else len(data) if kind == "n" else max(map(len, data.split()), default=0)
        )
        self.widths[self.column] = max(self.widths.get(self.column, 0), unbreakable)


def test_the_html_posts_table_fits_a_printed_page(ctx: Context) -> None:
    for n in range(3):
        add_post(
            ctx,
            "vk-fb",
            riga(2025, 10, 21 + n, 10, 0),
            text="Aicinām pieteikties kursiem līdz piektdienai, vietu skaits ierobežots. " * 4,
            snapshots=[(riga(2025, 10, 29), {"impressions": 1_234_567, "likes": 12_345, "clicks": 1_234})],
        )
    layout = reports.layout(reports.build(ctx, "engagement", PERIOD))
    html = render(layout, "html", "VK").decode("utf-8")
    widths = _Widths()
    widths.feed(html)
    assert widths.table_class == "wide" and "@page wide { size: A4 landscape" in html
    # 7.5 pt is 10 px; a character about 0.6 of that; 3 px padding each side. A4 landscape less
    # 15 mm margins is 267 mm, 1,009 px. Before, snake_case headings and platform ids that could
    # not wrap made the table some 1,200 px wide, and the browser cut its last columns.
    needed = sum(chars * 6 + 6 for chars in widths.widths.values())
    assert len(widths.widths) == len(layout.sheets[0].columns)
    assert needed <= 1009, (needed, widths.widths)


def test_xlsx_opens_with_title_and_period_and_holds_dates_as_dates(seeded: Context) -> None:
    layout = reports.layout(reports.build(seeded, "engagement", PERIOD))
    sheet = load_workbook(io.BytesIO(render(layout, "xlsx", "Valsts kanceleja")))["posts"]
    assert sheet.cell(row=1, column=1).value == "Valsts kanceleja: Engagement"
    assert str(sheet.cell(row=2, column=1).value).startswith("2025-10-20 – 2025-11-02 (Europe/Riga)")
    assert sheet.cell(row=3, column=1).value == "Posts"
    header = [c.value for c in sheet[XLSX_HEADING_ROWS + 1]]
    assert header[:5] == ["Publication", "Post", "Account", "Published", "Platform id"]
    assert "Engagement rate" in header
    published = sheet.cell(row=XLSX_HEADING_ROWS + 2, column=header.index("Published") + 1)
    assert published.is_date and published.value == datetime(2025, 10, 21, 10, 0)  # local time
    assert published.number_format == "yyyy-mm-dd hh:mm"


def test_people_read_headings_in_words_and_scripts_keep_the_names(seeded: Context) -> None:
    layout = reports.layout(reports.build(seeded, "response-times", PERIOD))
    groups = layout.sheets[0]
    assert "First response, median (working min)" in groups.headings
    assert all("_" not in h for s in layout.sheets for h in s.headings)
    html = render(layout, "html", "VK").decode("utf-8")
    assert "<th>First response within target</th>" in html and "first_response" not in html
    assert next(csv.reader(io.StringIO(render(layout, "csv", "VK").decode("utf-8")))) == groups.columns


def _english_catalog_strings() -> set[str]:
    """The catalog's English messages whose Latvian translation differs: none may reach a Latvian
    reader. Placeholder messages count by their longest fixed part ("Generated" of "{scope}. ...")."""
    po = Path(__file__).resolve().parents[2] / "smtool" / "locale" / "lv" / "LC_MESSAGES" / "smtool.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    english: set[str] = set()
    for message in catalog:
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in ids:
            if not text or text in strings:
                continue
            fixed = max((part.strip(" .,:;()") for part in re.split(r"\{\w+\}", text)), key=len)
            if len(fixed) > 2:
                english.add(fixed)
    return english


def _visible_texts(layout: reports.Layout) -> list[str]:
    """Every text a person reads in the report's HTML page and XLSX workbook."""
    page = _Page()
    page.feed(render(layout, "html", "Valsts kanceleja").decode("utf-8"))
    book = load_workbook(io.BytesIO(render(layout, "xlsx", "Valsts kanceleja")))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    return [t.strip() for t in page.data if t.strip()] + cells


@pytest.mark.parametrize("kind", reports.REPORT_KINDS)
def test_a_latvian_report_has_no_english_catalog_string(seeded: Context, kind: reports.ReportKind) -> None:
    english = _english_catalog_strings()
    with speaking("lv"):
        layout = reports.layout(reports.build(seeded, kind, PERIOD, campaign_tag="EU-1"))
        texts = _visible_texts(layout)
    # Post texts are the institution's own words, not the interface's.
    shown = [t for t in texts if t not in (HOSTILE, FORMULA)]
    whole = "\n".join(shown)
    left = sorted({e for e in english if e in shown or (len(e) > 12 and e in whole)})
    assert not left, f"English left in the Latvian {kind} report: {left}"
    assert "20.10.2025. – 2.11.2025." in whole  # the period in Latvian dates


def test_a_latvian_report_reads_latvian_numbers_and_headings(seeded: Context) -> None:
    with speaking("lv"):
        layout = reports.layout(reports.build(seeded, "engagement", PERIOD))
        html = render(layout, "html", "VK").decode("utf-8")
    assert '<html lang="lv">' in html
    assert "<th>Iesaistes koeficients</th>" in html and "<h2>Populārākie ieraksti</h2>" in html
    assert "21.10.2025. 10:00" in html  # a publication time, local
    assert "4,0 %" in html or "%" in html  # shares with a decimal comma
    csv_rows = list(csv.reader(io.StringIO(render(layout, "csv", "VK").decode("utf-8"))))
    assert csv_rows[0][:3] == ["publication_id", "post_id", "account"]  # scripts' names never change


def test_excel_csv_is_semicolons_bom_and_decimal_commas_with_the_same_columns(seeded: Context) -> None:
    layout = reports.layout(reports.build(seeded, "engagement", PERIOD))
    data = render(layout, "csv", "VK", excel=True)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))
    assert rows[0] == layout.sheets[0].columns
    rate = rows[1][rows[0].index("engagement_rate")]
    assert "," in rate and "." not in rate  # 0,04: a number to Excel with Latvian settings
    assert data.count(b"\r\n") == len(rows)
    plain = list(csv.reader(io.StringIO(render(layout, "csv", "VK").decode("utf-8"))))
    assert [r[:3] for r in rows] == [r[:3] for r in plain]
