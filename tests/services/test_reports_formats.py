"""Every report in every format, parsed back: CSV, JSON, XLSX (openpyxl), HTML (html.parser)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from smtool.services import reports
from smtool.services.context import Context
from smtool.services.reports.formats import render
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
    header = [c.value for c in next(book[main.name].iter_rows(max_row=1))]
    assert header == main.columns
    assert book[main.name].max_row == len(main.rows) + 1

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
    cell = sheet.cell(row=3, column=len(layout.sheets[0].columns))
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
