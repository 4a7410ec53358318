"""The CLI in Latvian (issue 19): every command's help, its messages and errors, while `--json` stays
the same in both languages. Help is chosen before any option is parsed (smtool.cli.help_i18n): from a
root --lang, SMTOOL_LANG, then config.toml's institution language."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from typer._click import Context, HelpFormatter
from typer.core import TyperGroup
from typer.main import get_command

from smtool.cli.main import app
from smtool.domain.inbox_states import InboxState
from smtool.domain.roles import Role
from smtool.domain.states import PostState, PublicationState
from smtool.i18n import speaking
from tests.cli.test_lazy_cli import _imported
from tests.support.cli import Result, run_smtool

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "smtool" / "locale" / "lv" / "LC_MESSAGES" / "smtool.po"


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and group of `smtool`, as the words that name it (the root is ())."""
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


# Renders every command's help in one process, as `smtool --lang lv PATH --help` does, so that the
# test pays Python's start-up once rather than seventy times.
_RENDER = """
import contextlib, io, json, sys
from smtool.cli.main import run
helps = {}
for path in json.loads(sys.argv[1]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            run(["--lang", "lv", *path, "--help"])
        except SystemExit:
            pass
    helps[" ".join(path)] = out.getvalue()
print(json.dumps(helps))
"""


def _latvian_helps(tmp_path: Path) -> dict[str, str]:
    import json

    paths = json.dumps([list(p) for p in _command_paths()])
    done = subprocess.run(
        [sys.executable, "-c", _RENDER, paths],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_")},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    helps: dict[str, str] = json.loads(done.stdout)
    return helps


def _english_messages() -> list[str]:
    """Every English message of the catalog whose Latvian differs from it (both forms of a noun),
    except a single word that Latvian has too ("no": "from")."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    english: list[str] = []
    latvian_words: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        english += [i.strip() for i in ids if i.strip() and i not in strings]
        latvian_words.update(word for text in strings for word in re.findall(r"\w+", text))
    return [m for m in english if m not in latvian_words and m not in _TYPED]


# What a person types as it stands, which help names untranslated (`post list --state draft`, a
# time written "YYYY-MM-DD HH:MM"): the TUI shows the states in the reader's words, so the catalog
# has them, but on the command line they are values, not prose.
_TYPED = {
    *(s.value for s in (*PostState, *PublicationState, *InboxState, *Role)),
    "YYYY-MM-DD HH:MM",
    "YYYY-MM-DD",
}


_DL_TERM = re.compile(r"^  (\S.*?)(?:  +|$)")


def _prose(help_text: str) -> str:
    """What a help page says in words: without the usage line's syntax, the terms of its lists
    (option names, metavars, command names) and what is typed as it stands (`...`)."""
    lines = []
    for line in help_text.splitlines():
        if line.startswith("Lietojums: "):
            lines.append("Lietojums:")
            continue
        term = _DL_TERM.match(line)
        lines.append(line[term.end() :] if term and not line.startswith("    ") else line)
    text = "\n".join(lines)
    # Configuration sections ([[accounts]], [security]) are typed as they stand, like `...`.
    return re.sub(r"`[^`]*`|\[\[?[a-z_]+\]\]?", "", text)


def test_every_command_s_help_in_latvian_has_no_english_message(tmp_path: Path) -> None:
    helps = _latvian_helps(tmp_path)
    assert set(helps) == {" ".join(p) for p in _command_paths()}
    english = _english_messages()
    left = {}
    for command, shown in helps.items():
        assert "Lietojums:" in shown and "Opcijas" in shown, (command, shown)
        words = " ".join(_prose(shown).split())  # a message wrapped over lines reads as one
        found = [
            m for m in english if re.search(rf"(?<![\w-]){re.escape(' '.join(m.split()))}(?![\w-])", words)
        ]
        if found:
            left[command or "smtool"] = found
    assert not left, left


def _installed(tmp_path: Path) -> None:
    done = run_smtool("init", "--sandbox", cwd=tmp_path)
    assert done.code == 0, done.err


def _lv(tmp_path: Path, *args: str, stdin: str = "") -> Result:
    result = run_smtool(*args, cwd=tmp_path, stdin=stdin, env={"SMTOOL_LANG": "lv"})
    assert "Traceback" not in result.err, result.err
    return result


def test_messages_and_errors_speak_latvian(tmp_path: Path) -> None:
    _installed(tmp_path)
    made = _lv(tmp_path, "post", "new", "--as", "anna", "--account", "sandbox-x", "Aicinām uz semināru.")
    assert made.code == 0, made.err
    post_id = made.out.strip()
    submitted = _lv(tmp_path, "post", "submit", post_id, "--as", "anna")
    assert submitted.code == 0, submitted.err
    assert f"Ieraksts {post_id} iesniegts apstiprināšanai." in submitted.out
    assert _lv(tmp_path, "pauses").out.strip() == "Publicēšana nav apturēta."
    listed = _lv(tmp_path, "post", "list")
    assert "stāvoklis" in listed.out and "autors" in listed.out, listed.out
    # The state is shown in the reader's words; it is typed as its code (`--state submitted`).
    assert "iesniegts" in listed.out and "submitted" not in listed.out, listed.out
    assert _lv(tmp_path, "post", "list", "--state", "submitted").out == listed.out
    assert f"Ieraksts {post_id}" in _lv(tmp_path, "post", "show", post_id).out
    refused = _lv(tmp_path, "pause", "--as", "karlis")
    assert refused.code == 2
    assert "norādiet, ko apturēt vai atsākt: --all vai --account ID (vienu no tiem)" in refused.err
    nobody = _lv(tmp_path, "post", "submit", post_id)
    assert nobody.code == 2 and "norādiet, kas jūs esat" in nobody.err, nobody.err
    # --lang wins over SMTOOL_LANG, for messages as for help.
    english = _lv(tmp_path, "--lang", "en", "pauses")
    assert english.out.strip() == "Publishing is not paused."


def test_check_speaks_the_interface_language_around_the_post_s_findings(tmp_path: Path) -> None:
    done = _lv(tmp_path, "check", "--account-kind", "institution", "Šodien apmeklēju skolu.")
    assert done.code == 1
    assert "kļūda[voice.first-person]" in done.out and "1 kļūda" in done.out, done.out


@pytest.mark.parametrize(
    "args",
    [
        ("pauses", "--json"),
        ("post", "list", "--json"),
        ("user", "list", "--json"),
        ("account", "list", "--json"),
        ("publications", "list", "--json"),
        ("inbox", "list", "--json", "--as", "liga"),
        ("retention", "holds", "--json"),
    ],
)
def test_json_is_the_same_in_both_languages(tmp_path: Path, args: tuple[str, ...]) -> None:
    _installed(tmp_path)
    english = run_smtool(*args, cwd=tmp_path)
    latvian = _lv(tmp_path, *args)
    assert english.code == latvian.code == 0, (english.err, latvian.err)
    assert english.out == latvian.out


def _help_first_line(tmp_path: Path, *args: str, lang: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_")}
    if lang is not None:
        env["SMTOOL_LANG"] = lang
    done = subprocess.run(
        [sys.executable, "-m", "smtool", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0]


def test_help_language_comes_from_argv_the_environment_or_the_institution(tmp_path: Path) -> None:
    # No configuration: English.
    assert _help_first_line(tmp_path, "--help").startswith("Usage: ")
    assert _help_first_line(tmp_path, "--lang", "lv", "--help").startswith("Lietojums: ")
    assert _help_first_line(tmp_path, "--help", "--lang=lv").startswith("Lietojums: ")
    assert _help_first_line(tmp_path, "post", "--help", lang="lv").startswith("Lietojums: ")
    # A command's own --lang (check: the findings' language) is not the interface's.
    assert _help_first_line(tmp_path, "check", "--lang", "lv", "--help").startswith("Usage: ")
    # An institution whose first language is Latvian: its help is Latvian unless asked otherwise.
    (tmp_path / "config.toml").write_text('[institution]\nname = "VK"\nlanguages = ["lv", "en"]\n')
    assert _help_first_line(tmp_path, "inbox", "--help").startswith("Lietojums: ")
    assert _help_first_line(tmp_path, "--lang", "en", "inbox", "--help").startswith("Usage: ")
    assert _help_first_line(tmp_path, "inbox", "--help", lang="en").startswith("Usage: ")
    other = tmp_path / "other.toml"
    other.write_text('[institution]\nname = "VK"\nlanguages = ["en"]\n')
    assert _help_first_line(tmp_path, "-c", str(other), "--help").startswith("Usage: ")
    # A configuration that cannot be read leaves help in English; the command itself says why.
    (tmp_path / "config.toml").write_text("[institution\n")
    assert _help_first_line(tmp_path, "--help").startswith("Usage: ")


def test_the_latvian_listing_of_commands_is_what_the_loaded_commands_would_print() -> None:
    # The root lists each command from its table's summary without importing it; in Latvian that
    # summary must still be the first sentence of the command's own (translated) help.
    with speaking("lv"):
        root = get_command(app)
        ctx = Context(root, info_name="smtool")
        lazy, eager = HelpFormatter(width=200), HelpFormatter(width=200)
        root.format_commands(ctx, lazy)
        TyperGroup.format_commands(root, ctx, eager)  # loads (and translates) every command
    assert "Pārbaudīt ierakstu" in lazy.getvalue()
    assert lazy.getvalue() == eager.getvalue()


def test_english_help_reads_no_catalog(tmp_path: Path) -> None:
    # English is the source text: `smtool --help` stays as fast as before the catalogs (Babel's
    # import alone costs more than the whole listing).
    modules = _imported("--help", cwd=tmp_path)
    assert not {m for m in modules if m == "babel" or m.startswith("babel.")}
    assert "smtool.cli.help_i18n" in modules
