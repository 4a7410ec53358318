"""Arbitrary text and numbers in every command's options and arguments never end in an internal error
(issue 20): each run exits 0, 1 or 2 with what it printed, never "Internal error" or a traceback.

The real CLI runs in-process (`smtool.cli.main.run`, as the console script calls it) on an
installation on the sandbox; the commands are found by walking the Click command tree, so a new
command is fuzzed without anyone adding it here. Values are arbitrary text (including the lone
surrogates Python makes of bytes that are not UTF-8; never NUL, which no command line can carry),
numbers far outside any range, inf and nan, mixed with words the installation knows (its users,
accounts, times) so that runs get past "unknown user" into the commands' own checks. Example counts
are bounded and derandomised, so the test is repeatable and quick; nothing here measures time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.cli import common
from smtool.cli.main import app, run
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from tests.support.sandbox import write_installation

# Commands that serve or wait until stopped, so a run would not end: they are driven by their own
# tests. Every other command is fuzzed.
NOT_FUZZED = {
    "sandbox serve": "serves the sandbox until Ctrl+C",
    "worker": "publishes until stopped (without --once)",
    "account connect": "waits up to ten minutes for the browser to come back",
    "account add": "connects the new account, waiting for the browser like account connect",
    "demo": "builds a training installation and serves the sandbox for it",
}
# Options left out of the commands that are fuzzed, for the same reason.
NOT_GIVEN = {
    ("tui", "--sandbox"): "creates and serves a training installation",
    ("init", "--sandbox"): "prepares a training installation on the sandbox's port",
}

EXAMPLES_PER_COMMAND = 6

# Python hands the bytes of a command line that are not UTF-8 over as these (surrogateescape).
_UNDECODABLE = st.sampled_from(["\udcff", "\udc80", "\udcc3"])
_TEXT = st.text(
    alphabet=st.one_of(st.characters(exclude_characters="\x00", codec="utf-8"), _UNDECODABLE),
    max_size=40,
)
_KNOWN = st.sampled_from(
    [
        "anna",
        "karlis",
        "liga",
        "martins",
        "admin",
        "sandbox-x",
        "sandbox-fb",
        "x",
        "facebook",
        "press",
        "2026-12-01",
        "2026-12-01 09:30",
        "0001-01-01 00:00",
        "9999-12-31 23:59",
        "1",
        "0",
        "-1",
        str(2**63),
        "inf",
        "nan",
        "",
        "-",
        ".",
    ]
)
# Values at and past the edges that used to end in internal errors: ids past the databases' BIGINT,
# numbers past any range, the calendar's own ends, undecodable bytes.
_EDGE = st.sampled_from(
    [
        str(2**63),
        str(-(2**63) - 1),
        "99999999999999999999",
        "1e309",
        "-inf",
        "0001-01-01 00:00",
        "9999-12-31 23:59",
        "9999-12-31",
        "a\udcffb",
        "\u202e\u200b\u2028\u009b",
    ]
)
_NUMBER = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    params: tuple[Any, ...]

    @property
    def name(self) -> str:
        return " ".join(self.words)


def _commands() -> list[Command]:
    found: list[Command] = []

    def walk(command: Any, words: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in sorted(children.items()):
                walk(child, (*words, name))
        else:
            found.append(Command(words, tuple(command.params)))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = [c for c in _commands() if c.name not in NOT_FUZZED]


def _element(annotation: Any) -> Any:
    """The type of one value: list[int] -> int, int | None -> int."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if get_origin(annotation) is not None and args else annotation


def _value(annotation: Any) -> st.SearchStrategy[str]:
    kind = _element(annotation)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return st.one_of(st.sampled_from([str(m.value) for m in kind]), _TEXT)
    if kind in (int, float):
        return st.one_of(_EDGE, _NUMBER, _KNOWN, _TEXT)
    return st.one_of(_EDGE, _KNOWN, _TEXT, _NUMBER)


@st.composite
def _arguments(draw: st.DrawFn, command: Command) -> list[str]:
    """Command-line words for `command`: some of its options, each with arbitrary values, then its
    positional arguments (required ones always, so that runs reach the command's own checks)."""
    options: list[str] = []
    positional: list[str] = []
    for param in command.params:
        annotation = param.type_descriptor.annotation
        flag = param.opts[0]
        if (command.name, flag) in NOT_GIVEN:
            continue
        if param.param_type_name == "argument":
            count = draw(st.integers(1, 3)) if param.nargs == -1 else 1
            if param.required or draw(st.booleans()):
                positional += [draw(_value(annotation)) for _ in range(count)]
        elif getattr(param, "is_flag", False):
            if draw(st.booleans()):
                options.append(flag)
        elif param.required or draw(st.booleans()):
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                options += [flag, draw(_value(annotation))]
    # "--" ends the options, so that a value starting with "-" is read as an argument, as a person
    # would have to write it.
    return [*command.words, *options, *(["--", *positional] if positional else [])]


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An installation on the sandbox with a post and a citizen's item, as the working folder."""
    folder = tmp_path_factory.mktemp("fuzz")
    server = SandboxServer(new_sandbox_state(seed=20), port=0, seed=20).start()
    previous = Path.cwd()
    key = os.environ.pop("SMTOOL_SECRET_KEY", None)
    try:
        config = write_installation(folder, f"sqlite:///{folder / 'smtool.db'}", server)
        server.sandbox.inject_mention(server.account("x").id, "Kad būs atbilde?", None)
        with Context.open(load_settings(config)) as ctx:
            Ingestor(ctx).poll_all()
        os.chdir(folder)
        yield folder
    finally:
        os.chdir(previous)
        server.stop()
        if key is not None:
            os.environ["SMTOOL_SECRET_KEY"] = key


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def _run(args: list[str]) -> Outcome:
    """`smtool ARGS` in this process with empty standard input and no SMTOOL_* variables but the
    test's language (an internal error is then told in English, as the assertion reads it)."""
    unset: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith("SMTOOL_") and k != "SMTOOL_LANG"
    }
    with CliRunner().isolation(input=b"", env={**unset, "COLUMNS": "120"}) as (out, err, _):
        common.state.config_path = None
        common.state.proven = None
        try:
            run(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 0
        else:  # run() always exits
            code = -1
        return Outcome(code, _decoded(out.getvalue()), _decoded(err.getvalue()))


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_no_command_ends_in_an_internal_error_whatever_its_options_say(
    installation: Path, command: Command
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_COMMAND,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(args=_arguments(command))
    def fuzz(args: list[str]) -> None:
        outcome = _run(args)
        shown = f"smtool {args!r} exited {outcome.code}:\n{outcome.err}"
        assert outcome.code in (0, 1, 2), shown
        assert "Internal error" not in outcome.err and "Traceback" not in outcome.err, shown

    fuzz()


def test_every_command_is_fuzzed_or_says_why_not() -> None:
    names = {c.name for c in _commands()}
    assert set(NOT_FUZZED) <= names, "NOT_FUZZED names a command that no longer exists"
    assert len(COMMANDS) >= 60 and {"post new", "inbox list", "report engagement"} <= {
        c.name for c in COMMANDS
    }
