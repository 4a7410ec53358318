"""`smtool report` in real processes: every format to stdout or a file, and clear refusals."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from smtool.services.context import Context
from tests.support.cli import Result, run_smtool, without_smtool_settings
from tests.support.store_data import add_post, riga

PERIOD = ("--from", "2025-10-20", "--to", "2025-11-02")


@pytest.fixture
def folder(ctx: Context, tmp_path: Path) -> Path:
    add_post(
        ctx,
        "vk-x",
        riga(2025, 10, 21, 10, 0),
        campaigns=["EU-1"],
        snapshots=[(riga(2025, 10, 22), {"impressions": 120, "likes": 6})],
    )
    add_post(ctx, "vk-fb", riga(2025, 10, 28, 10, 0), snapshots=[(riga(2025, 10, 29), {"impressions": 30})])
    return tmp_path


def _run(folder: Path, *args: str) -> Result:
    result = run_smtool("report", *args, cwd=folder)
    assert "Traceback" not in result.err, result.err
    return result


def test_every_report_as_a_terminal_table(folder: Path) -> None:
    for kind in ("engagement", "response-times", "cadence"):
        result = _run(folder, kind, *PERIOD)
        assert result.code == 0, result.err
        assert "2025-10-20 – 2025-11-02" in result.out
    campaign = _run(folder, "campaign", *PERIOD, "--campaign", "EU-1")
    assert campaign.code == 0 and "Posts published" in campaign.out


def test_text_formats_on_stdout(folder: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(folder, "engagement", *PERIOD, "-f", "csv").out)))
    assert [(r["account"], r["impressions"]) for r in rows] == [("vk-x", "120"), ("vk-fb", "30")]
    document = json.loads(_run(folder, "engagement", *PERIOD, "--account", "vk-x", "-f", "json").out)
    assert document["account"] == "vk-x" and document["tables"]["accounts"][0]["impressions"] == 120
    assert _run(folder, "cadence", *PERIOD, "-f", "html").out.startswith("<!DOCTYPE html>")


def test_files_with_output(folder: Path) -> None:
    (folder / "out").mkdir()
    result = _run(folder, "campaign", *PERIOD, "--campaign", "EU-1", "-f", "xlsx", "-o", "out/eu.xlsx")
    assert result.code == 0 and "Wrote out/eu.xlsx" in result.err
    book = load_workbook(folder / "out" / "eu.xlsx")
    assert book.sheetnames[0] == "indicators"
    assert _run(folder, "response-times", *PERIOD, "-f", "html", "-o", "r.html").code == 0
    assert "<svg" in (folder / "r.html").read_text(encoding="utf-8")


def test_an_output_that_cannot_be_a_file_is_refused_with_exit_2_and_nothing_written(folder: Path) -> None:
    (folder / "kept").mkdir()
    (folder / "notes.txt").write_text("not a folder", encoding="utf-8")
    for target, reason in [
        ("kept", "kept is a folder; give the name of a file to write"),
        ("notes.txt/eu.csv", "cannot write notes.txt/eu.csv: notes.txt is not a folder"),
        (
            "notes.txt/out/eu.csv",
            "cannot write notes.txt/out/eu.csv: notes.txt/out does not exist; create it first",
        ),
        # Issue 20, failure 7: neither a missing folder made nor an existing file written over.
        ("new/sub/eu.csv", "cannot write new/sub/eu.csv: new/sub does not exist; create it first"),
        ("notes.txt", "notes.txt already exists; choose another file name or remove it first"),
    ]:
        result = _run(folder, "engagement", *PERIOD, "-f", "csv", "-o", target)
        assert (result.code, result.out) == (2, "")
        assert result.err == f"Invalid input: {reason}\n"
    assert not any((folder / "kept").iterdir()) and not (folder / "new").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "not a folder"


def test_xlsx_is_refused_on_a_terminal_but_goes_down_a_pipe(folder: Path) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "smtool", "report", "engagement", *PERIOD, "-f", "xlsx"],
        cwd=folder,
        capture_output=True,
        check=False,
        timeout=60,
        env=without_smtool_settings(),
    )
    assert piped.returncode == 0 and piped.stdout.startswith(b"PK")  # a zip container
    main, secondary = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "smtool", "report", "engagement", "-f", "xlsx"],
            cwd=folder,
            stdout=secondary,
            stderr=subprocess.PIPE,
            check=False,
            timeout=60,
            env=without_smtool_settings(),
        )
    finally:
        os.close(secondary)
        os.close(main)
    assert proc.returncode == 2 and b"--output" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("engagement", "--from", "2025-13-01"), "--from '2025-13-01' is not a date; write it as YYYY-MM-DD"),
        (("engagement", "--from", "2025-11-02", "--to", "2025-10-01"), "is after --to"),
        (("cadence", "--to", "9999-12-31"), "--to 9999-12-31 is out of range"),
        (("cadence", "--account", "nope"), "no account 'nope'"),
        (("campaign",), "needs --campaign"),
        (("engagement", "-o", "x.txt"), "--output needs a file format"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(folder: Path, args: tuple[str, ...], message: str) -> None:
    result = _run(folder, *args)
    assert result.code == 2 and message in result.err and result.out == ""


def test_an_unknown_format_is_a_usage_error(folder: Path) -> None:
    result = _run(folder, "engagement", "-f", "pdf")
    assert result.code == 2 and "pdf" in result.err


def test_every_report_command_has_help(folder: Path) -> None:
    for kind in ("engagement", "response-times", "cadence", "campaign"):
        result = _run(folder, kind, "--help")
        assert result.code == 0 and "--format" in result.out and "--campaign" in result.out


def test_terminal_tables_show_shares_as_percentages_and_when_a_silence_began(folder: Path) -> None:
    campaign = _run(folder, "campaign", *PERIOD, "--campaign", "EU-1")
    # 6 engagements of 120 impressions: 5 %, not "0.05" beside a "%" unit.
    # The indicator's row (tables' header rows, which say "Engagement rate" too, start with ┃).
    (rate,) = [line for line in campaign.out.splitlines() if line.startswith("│ Engagement rate")]
    assert "5.0 %" in rate and "0.05" not in rate
    cadence = _run(folder, "cadence", *PERIOD)
    # vk-x is silent from its only post (21 October, 10:00) to the end of the period.
    assert "2025-10-21 10:00" in cadence.out.split("Silences longer than")[1]


def test_a_wide_terminal_also_shows_reactions_replies_and_shares(folder: Path) -> None:
    def headers(columns: str) -> str:
        result = run_smtool("report", "engagement", *PERIOD, cwd=folder, env={"COLUMNS": columns})
        assert result.code == 0, result.err
        return result.out.split("Accounts")[1].split("\n\n")[0]

    assert "Likes" in headers("160") and "Shares" in headers("160")
    assert "Likes" not in headers("80") and "Impressions" in headers("80")
    assert "_" not in headers("160")  # headings in words: "Engagement rate", not engagement_rate


def test_a_latvian_manager_reads_the_terminal_report_in_latvian(folder: Path) -> None:
    result = run_smtool(
        "report",
        "campaign",
        "--from",
        "20.10.2025",
        "--to",
        "2.11.2025.",
        "--campaign",
        "EU-1",
        cwd=folder,
        env={"SMTOOL_LANG": "lv", "COLUMNS": "160"},
    )
    assert result.code == 0, result.err
    assert "Kampaņa EU-1" in result.out and "20.10.2025. – 2.11.2025." in result.out
    (rate,) = [line for line in result.out.splitlines() if line.startswith("│ Iesaistes koeficients")]
    assert "5,0 %" in rate  # a decimal comma
    assert "Engagement rate" not in result.out and "Posts published" not in result.out


def test_excel_csv_on_stdout_and_only_for_csv(folder: Path) -> None:
    result = run_smtool("report", "engagement", *PERIOD, "-f", "csv", "--excel", cwd=folder)
    assert result.code == 0 and result.out.startswith("\ufeffpublication_id;post_id;account;")
    refused = _run(folder, "engagement", *PERIOD, "-f", "html", "--excel")
    assert refused.code == 2 and "--excel is a form of CSV" in refused.err
