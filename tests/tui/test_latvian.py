"""The TUI in Latvian: every screen at 80x24 as a snapshot, and no English left on any screen or main
dialog (any message of the catalog whose Latvian differs, found in its English form, fails).

Update the snapshots after an intended change with `pytest tests/tui/test_latvian.py
--snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import asyncio
import re
import string
from collections.abc import Awaitable, Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import TextArea

from smtool.errors import Conflict
from smtool.i18n import activate
from smtool.tui.app import build_app
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.widgets.findings import FindingsList
from tests.support.cli import run_smtool
from tests.support.tui import Installation, settled, until
from tests.tui.test_snapshots import USERS, seed, settle

CATALOG = Path(__file__).resolve().parents[2] / "smtool" / "locale" / "lv" / "LC_MESSAGES" / "smtool.po"
# Fewer letters than this outside the placeholders ("P", "OK", "{n} h") tell nothing apart from
# ids, names and units that read the same in both languages.
SHORTEST = 3


@pytest.fixture(autouse=True)
def latvian() -> Iterator[None]:
    """The TUI builds and draws in the language active in the process (`smtool tui` activates the
    person's); the suite's autouse fixture brings English back afterwards."""
    activate("lv")
    yield


@pytest.mark.parametrize("screen", list(USERS))
def test_screen_in_latvian(sqlite_installation: Installation, snap_compare: Any, screen: str) -> None:
    seed(sqlite_installation.ctx)
    app = build_app(sqlite_installation.ctx, USERS[screen], screen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


@cache
def english_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each English message of the catalog whose Latvian differs, as a pattern matching it on a
    screen: placeholders match any text, the ends are whole words."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    patterns = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for english in ids:
            if english in strings:
                continue
            shown = english.strip()  # a label's leading or trailing space is no part of what shows
            fields = list(string.Formatter().parse(shown))
            if sum(c.isalpha() for literal, *_rest in fields for c in literal) < SHORTEST:
                continue
            body = "".join(
                re.escape(literal) + (".+?" if field is not None else "")
                for literal, field, _spec, _conversion in fields
            )
            start = r"(?<!\w)" if shown[:1].isalnum() else ""
            end = r"(?!\w)" if shown[-1:].isalnum() else ""
            patterns.append((english, re.compile(start + body + end)))
    return tuple(patterns)


def screen_lines(app: App[None]) -> list[str]:
    """What the terminal shows, line by line (the current screen, a dialog included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def english_on(lines: list[str]) -> list[str]:
    return [
        f"{english!r} in {line.strip()!r}"
        for line in lines
        for english, pattern in english_patterns()
        if pattern.search(line)
    ]


def test_smtool_tui_speaks_the_chosen_language(sqlite_installation: Installation) -> None:
    """`smtool tui` no longer pins English: what it says before the terminal is taken over (here,
    a refused screen) is in the language chosen for the command."""
    config, cwd = str(sqlite_installation.config), sqlite_installation.config.parent
    refused = run_smtool(
        "--config", config, "tui", "--as", "anna", "--screen", "nowhere", cwd=cwd, env={"SMTOOL_LANG": "lv"}
    )
    assert refused.code == 2 and "nezināms ekrāns 'nowhere'" in refused.err, refused.err
    assert "Traceback" not in refused.err


def test_findings_speak_the_posts_language_and_the_screen_the_readers(
    sqlite_installation: Installation,
) -> None:
    """A Latvian reader writing an English post: the checker's messages are English (the post's
    language, as `smtool check` says them by default), the words around them Latvian."""

    async def scenario() -> str:
        app = build_app(sqlite_installation.ctx, "anna", "compose")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            screen.query_one("#post-text", TextArea).text = "I think the new e-service is convenient."
            await until(pilot, lambda: bool(screen.query_one(FindingsList).findings), "the findings")
            return str(screen.query_one(FindingsList).render())

    shown = asyncio.run(scenario())
    assert "Personal opinion marker" in shown and "bloķē iesniegšanu" in shown, shown


def test_the_check_finds_english() -> None:
    """The check itself: an English label is found, its Latvian translation is not."""
    assert english_on(["│ Nothing waits for your approval.  "])
    assert english_on(["Post 7 saved (draft)."])
    assert not english_on(["Ieraksts 7 saglabāts (melnraksts).", "sandbox-x  anna  10:00"])


Step = Callable[[Pilot[None]], Awaitable[None]]


async def _press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settled(pilot)


def _keys(*keys: str) -> Step:
    async def step(pilot: Pilot[None]) -> None:
        await _press(pilot, *keys)

    return step


async def _error(pilot: Pilot[None]) -> None:
    # The modal's own words; the message is the service's (Latvian here, as a service would say it).
    pilot.app.push_screen(ErrorModal(Conflict("ziņu jau mainīja cits lietotājs")))
    await settled(pilot)


# Each screen, then the dialogs it opens: (user, screen, what to do before reading the screen).
VIEWS: dict[str, tuple[str, str, Step | None]] = {
    **{name: (user, name, None) for name, user in USERS.items()},
    "post": ("karlis", "calendar", _keys("o")),
    "withdraw": ("karlis", "calendar", _keys("x")),
    "reschedule": ("karlis", "calendar", _keys("s")),
    "reject": ("karlis", "approvals", _keys("j")),
    "approve": ("karlis", "approvals", _keys("a")),
    "nothing to waive": ("karlis", "approvals", _keys("w")),  # the notice: its finding is answered
    "reply": ("liga", "inbox", _keys("r")),
    "assign": ("liga", "inbox", _keys("a")),
    "pause": ("karlis", "accounts", _keys("p")),
    "open": ("anna", "compose", _keys("ctrl+o")),
    "error": ("karlis", "accounts", _error),
    "palette": ("karlis", "approvals", _keys("ctrl+p")),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_no_english_left(sqlite_installation: Installation, view: str) -> None:
    user, name, step = VIEWS[view]
    seed(sqlite_installation.ctx)

    async def scenario() -> list[str]:
        app = build_app(sqlite_installation.ctx, user, name)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            if step is not None:
                shown = app.screen
                await step(pilot)
                if view != "nothing to waive":
                    await until(pilot, lambda: app.screen is not shown, f"the {view} dialog")
            return screen_lines(app)

    lines = asyncio.run(scenario())
    assert not english_on(lines), "\n".join(["English on the Latvian screen:", *english_on(lines), *lines])
