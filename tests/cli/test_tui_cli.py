"""`smtool tui` run as a script would: without a terminal it refuses instead of taking one over."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Result


def test_the_tui_without_a_terminal_refuses_with_exit_2_and_writes_no_escape_codes(  # type: ignore[no-untyped-def]
    smtool, tmp_path: Path
) -> None:
    assert smtool("init", "--sandbox").code == 0
    # Standard input and output are pipes here, as under cron or `ssh host smtool tui` without -t.
    result: Result = smtool("tui", "--as", "anna")
    assert result.code == 2, result.err
    assert "needs a terminal" in result.err and "ssh -t" in result.err
    assert result.out == "" and "\x1b" not in result.err
    # A bad user or screen is still named first: that is what to fix before any terminal matters.
    unknown = smtool("tui", "--as", "anna", "--screen", "nowhere")
    assert unknown.code == 2 and "unknown screen" in unknown.err


def test_the_tui_speaks_the_person_s_language(  # type: ignore[no-untyped-def]
    smtool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # anna has no `lang` and the institution's first language is Latvian: the TUI speaks it like
    # every other command, its refusals included; --lang chooses for one run.
    monkeypatch.delenv("SMTOOL_LANG")
    assert smtool("init", "--sandbox").code == 0
    assert smtool("post", "show", "999").err.startswith("Nav atrasts: ")
    result: Result = smtool("tui", "--as", "anna")
    assert result.code == 2 and result.err.startswith("Nederīga ievade: smtool tui ievadei un izvadei vajag")
    english: Result = smtool("--lang", "en", "tui", "--as", "anna")
    assert english.code == 2 and english.err.startswith("Invalid input: smtool tui needs a terminal")
