"""The command-line parser's own refusals ("No such option: --x") in the reader's language.

Typer's vendored Click writes its usage errors as fixed English f-strings, not through gettext, so
they cannot be translated where they are made. They have a small, stable set of shapes: each shape
is matched here and said again through the catalog, with the names the person typed kept as typed.
A shape not known here (a newer Typer) is shown as Click wrote it rather than hidden.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Protocol

from smtool.i18n import _, current

__all__ = ["ShowsItself", "show_usage_error"]


class ShowsItself(Protocol):
    """A Click usage error: it writes the usage line, a hint and "Error: ..." to a file."""

    def show(self, file: io.StringIO) -> None: ...


Say = Callable[[re.Match[str]], str]

# The messages of typer/_click (exceptions.py, parser.py, core.py) and of Typer's value checks.
_MESSAGES: list[tuple[re.Pattern[str], Say]] = [
    (
        re.compile(r"No such option: (?P<option>\S+) \(Possible options: (?P<options>.*)\)"),
        lambda m: _("No such option: {option} (possible options: {options})").format(**m.groupdict()),
    ),
    (
        re.compile(r"No such option: (?P<option>\S+)"),
        lambda m: _("No such option: {option}").format(**m.groupdict()),
    ),
    (
        re.compile(r"No such command (?P<command>'.*')\."),
        lambda m: _("No such command {command}.").format(**m.groupdict()),
    ),
    (
        re.compile(r"Missing argument (?P<name>'.*')\.(?: .*)?"),
        lambda m: _("Missing argument {name}.").format(**m.groupdict()),
    ),
    (
        re.compile(r"Missing option (?P<name>'.*')\.(?: .*)?"),
        lambda m: _("Missing option {name}.").format(**m.groupdict()),
    ),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<arguments>.*)\)"),
        lambda m: _("Unexpected extra arguments: {arguments}").format(**m.groupdict()),
    ),
    (
        re.compile(r"Option (?P<option>'.*') requires an argument\."),
        lambda m: _("Option {option} needs a value.").format(**m.groupdict()),
    ),
    (
        re.compile(r"Option (?P<option>'.*') does not take a value\."),
        lambda m: _("Option {option} takes no value.").format(**m.groupdict()),
    ),
    (
        re.compile(r"Invalid value for (?P<name>.+?): (?:Value error, )?(?P<detail>.*)"),
        lambda m: _("Invalid value for {name}: {detail}").format(name=m["name"], detail=_detail(m["detail"])),
    ),
]

# What a value check says inside "Invalid value for ...: ..." (Typer hands pydantic's wording on).
_DETAILS: list[tuple[re.Pattern[str], Say]] = [
    (
        re.compile(r"Input should be a valid integer.*"),
        lambda m: _("a whole number is needed"),
    ),
    (
        re.compile(r"Input should be a valid number.*"),
        lambda m: _("a number is needed"),
    ),
    (
        re.compile(r"Input should be greater than or equal to (?P<limit>\S+)"),
        lambda m: _("must be at least {limit}").format(**m.groupdict()),
    ),
    (
        re.compile(r"Input should be less than or equal to (?P<limit>\S+)"),
        lambda m: _("must be at most {limit}").format(**m.groupdict()),
    ),
    (
        re.compile(r"(?P<value>'.*') is not one of (?P<choices>.*)\."),
        lambda m: _("{value} is not one of {choices}.").format(**m.groupdict()),
    ),
]

_TRY = re.compile(r"Try (?P<command>'.*') for help\.")
_ERROR = re.compile(r"Error: (?P<message>.*)", re.S)


def show_usage_error(error: ShowsItself, write: Callable[[str], object]) -> None:
    """Write `error` as Click shows it, in the reader's language: English as it stands, another
    language line by line through the catalog."""
    shown = io.StringIO()
    error.show(file=shown)
    text = shown.getvalue()
    if current() == "en":
        write(text)
        return
    write("\n".join(_line(line) for line in text.splitlines()) + "\n")


def _line(line: str) -> str:
    if (hint := _TRY.fullmatch(line)) is not None:
        return _("Try {command} for help.").format(command=hint["command"])
    if (failure := _ERROR.fullmatch(line)) is not None:
        return _("Error: {message}").format(message=_said(failure["message"], _MESSAGES))
    return line


def _said(message: str, table: list[tuple[re.Pattern[str], Say]]) -> str:
    for pattern, say in table:
        if (found := pattern.fullmatch(message)) is not None:
            return say(found)
    return message


def _detail(detail: str) -> str:
    return _said(detail, _DETAILS)
