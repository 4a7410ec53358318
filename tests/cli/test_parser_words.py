"""The command-line parser's refusals speak the reader's language: each shape Typer's Click writes in
English is said through the catalog in Latvian, the names typed kept as typed, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_smtool

ENGLISH_WORDS = ("Usage", "Try ", "Error", "No such", "Missing", "Invalid", "Option", "Got unexpected")


@pytest.mark.parametrize(
    ("args", "latvian"),
    [
        (("post", "list", "--bogus"), "Kļūda: Nav tādas opcijas: --bogus"),
        (("post", "show"), "Kļūda: Trūkst argumenta 'post_id'."),
        (("post", "nosuch"), "Kļūda: Nav tādas komandas 'nosuch'."),
        (("post", "list", "--limit", "abc"), "Kļūda: Nederīga vērtība '--limit': vajag veselu skaitli"),
        (("post", "list", "--limit"), "Kļūda: Opcijai '--limit' vajag vērtību."),
        (("post", "list", "--limit", "-5"), "Kļūda: Nederīga vērtība '--limit': jābūt vismaz 1"),
        (("post", "list", "extra"), "Kļūda: Lieki argumenti: extra"),
        (
            ("report", "engagement", "--format", "nope"),
            "Kļūda: Nederīga vērtība '--format' / '-f': 'nope' nav neviena no 'table', 'csv', 'json', "
            "'html', 'xlsx'.",
        ),
    ],
)
def test_a_mistyped_command_is_refused_in_latvian(
    tmp_path: Path, args: tuple[str, ...], latvian: str
) -> None:
    done = run_smtool("--lang", "lv", *args, cwd=tmp_path)
    assert done.code == 2
    assert latvian in done.err, done.err
    assert not [w for w in ENGLISH_WORDS if w in done.err], done.err


def test_in_english_click_s_own_words_are_kept(tmp_path: Path) -> None:
    done = run_smtool("--lang", "en", "post", "list", "--bogus", cwd=tmp_path)
    assert done.code == 2
    assert "post list --help' for help." in done.err
    assert "Error: No such option: --bogus" in done.err
