"""`smtool report`: engagement, response-times, cadence and campaign reports for managers."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from smtool.cli import common
from smtool.domain.text import collapse_spaces
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services import reports
from smtool.services.reports.formats import FILE_FORMATS, check_destination, render, write_file
from smtool.services.reports.sheets import Cell, Layout, Sheet, shown_cell
from smtool.store.types import utcnow

group = typer.Typer(
    help=N_("Reports for managers: engagement, response times, cadence, campaigns."), no_args_is_help=True
)

# The terminal shows at most this many rows of a table, without these columns; the files have all.
TABLE_ROWS = 40
FILE_ONLY_COLUMNS = frozenset(
    {"publication_id", "post_id", "remote_id", "measured_at", "quotes", "bookmarks", "platform", "handle"}
    | {"start", "first_response_p90_minutes", "weeks"}
)
# Reactions, replies and shares need a wide terminal; on a narrow one the totals and rate stay readable.
WIDE_ONLY_COLUMNS = frozenset({"likes", "replies", "shares"})
WIDE = 120


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"
    xlsx = "xlsx"


FROM = typer.Option(
    None,
    "--from",
    help=N_("First day, YYYY-MM-DD or D.M.YYYY in the institution's zone (default: 30 days)."),
)
TO = typer.Option(None, "--to", help=N_("Last day, YYYY-MM-DD or D.M.YYYY, included (default: today)."))
ACCOUNT = typer.Option(None, "--account", help=N_("Only this account (an id from config.toml)."))
CAMPAIGN = typer.Option(
    None, "--campaign", help=N_("Only posts tagged with this campaign (e.g. an EU project id).")
)
FORMAT = typer.Option(Format.table, "--format", "-f", help=N_("table, csv, json, html or xlsx."))
OUTPUT = typer.Option(None, "--output", "-o", help=N_("Write to this file instead of the terminal."))
EXCEL = typer.Option(
    False,
    "--excel",
    help=N_(
        "With --format csv: the form Excel with Latvian settings opens in columns (semicolons, a BOM, "
        "decimal commas); the column names stay the same."
    ),
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="report")


def _shown(value: Cell, column: str, percent: bool, width: int = 60) -> str:
    if not isinstance(value, str):
        return shown_cell(value, column, percent)
    text = common.inert(collapse_spaces(shown_cell(value, column, percent)))
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_sheet(sheet: Sheet) -> None:
    # A trend step's or a week's start repeats its label; a silence's start is half of what it says.
    hidden = FILE_ONLY_COLUMNS - {"start"} if "end" in sheet.columns else FILE_ONLY_COLUMNS
    if common.console.width < WIDE:
        hidden |= WIDE_ONLY_COLUMNS
    shown = [i for i, c in enumerate(sheet.columns) if c not in hidden]
    headers = [sheet.headings[i] for i in shown]
    table = Table(*headers, title=common.inert(sheet.title), title_justify="left")
    for n, row in enumerate(sheet.rows[:TABLE_ROWS]):
        cells = [(row[i], sheet.columns[i]) for i in shown]
        table.add_row(*(_shown(value, column, sheet.is_share(n, column), 40) for value, column in cells))
    common.console.print(table)
    if len(sheet.rows) > TABLE_ROWS:
        common.console.print(
            _("… {rows} more rows: use --format csv or xlsx.").format(rows=len(sheet.rows) - TABLE_ROWS)
        )


def _print_layout(layout: Layout, institution: str) -> None:
    common.console.print(common.inert(f"{institution}: {layout.title}, {layout.scope}"))
    for sheet in layout.sheets:
        if sheet.name != "posts":  # every post is for the files; the terminal lists the top ones
            _print_sheet(sheet)


def _run(
    kind: reports.ReportKind,
    first: str | None,
    last: str | None,
    account: str | None,
    campaign: str | None,
    fmt: Format,
    output: Path | None,
    excel: bool = False,
) -> None:
    if fmt is Format.xlsx and output is None and sys.stdout.isatty():
        raise UsageError(_("XLSX is a binary file: give --output FILE.xlsx (or pipe it)"))
    if excel and fmt is not Format.csv:
        raise UsageError(_("--excel is a form of CSV: give --format csv with it"))
    if fmt is Format.table and output is not None:
        raise UsageError(_("--output needs a file format: --format csv, json, html or xlsx"))
    if output is not None:
        check_destination(output)  # before the report is built, which may take a while
    settings = common.settings()
    period = reports.period_between(first, last, settings.institution.timezone, utcnow())
    with common.open_context() as ctx:
        report = reports.build(ctx, kind, period, account, campaign, with_posts=fmt is not Format.table)
    layout = reports.layout(report)
    institution = settings.institution.name
    if fmt is Format.table:
        _print_layout(layout, institution)
        return
    data = render(layout, next(f for f in FILE_FORMATS if f == fmt.value), institution, excel=excel)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_file(output, data, new=True)
    common.err_console.print(_("Wrote {file}.").format(file=common.inert(str(output))))


_HELP: dict[reports.ReportKind, str] = {
    "engagement": N_("Reach and interactions per account and post, top posts and the trend over the period."),
    "response-times": N_(
        "First response and resolution per team and account against the targets; open backlog by age."
    ),
    "cadence": N_("Posts per week per account, long silences, bursts and the share of bare-link posts."),
    "campaign": N_("One-page indicator summary of the posts tagged with --campaign (e.g. an EU project id)."),
}


def _command(kind: reports.ReportKind) -> None:
    def command(
        first: str | None = FROM,
        last: str | None = TO,
        account: str | None = ACCOUNT,
        campaign: str | None = CAMPAIGN,
        fmt: Format = FORMAT,
        output: Path | None = OUTPUT,
        excel: bool = EXCEL,
    ) -> None:
        _run(kind, first, last, account, campaign, fmt, output, excel)

    command.__doc__ = _HELP[kind]
    group.command(kind)(command)


for _kind in reports.REPORT_KINDS:
    _command(_kind)
