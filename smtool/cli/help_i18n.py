"""Help in the reader's language, although Typer builds it before any option is parsed.

Typer turns help texts into Click objects when the commands are built, and `--help` is eager: it
prints before the root's --lang (or the person's own `lang`, which needs the database) is known. So
the language for help is decided from what is cheap to read before parsing (`help_language`): a
root --lang in argv, SMTOOL_LANG, then the first language of config.toml's `[institution]`, read
as plain TOML (no validation, no database). The acting person's own `lang` is left out for help
only; every message a command prints afterwards does speak it (common.speak_to).

Help texts are marked with N_ where they are written (module-level options are shared by many
commands and are built before the language is known) and translated here when a command is built
(`translate_command`, from lazy.load_module and the root), in the language already activated.
Click's own words in help (Usage, Options, [required], ...) are translated by the formatter.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from typer._click import Command, Context, HelpFormatter
from typer.core import TyperGroup

from smtool.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, _, activate

__all__ = ["TranslatedContext", "activate_for_help", "help_language", "translate_command"]

LANG_ENV = "SMTOOL_LANG"
CONFIG_ENV = "SMTOOL_CONFIG"
DEFAULT_CONFIG = "config.toml"
# A config.toml is small; a larger file (or /dev/zero named as the config) is not read for help.
_MAX_CONFIG_BYTES = 1024 * 1024

# Click's own words, which Typer passes through the process's gettext domain (not smtool's).
_CLICK_WORDS = (N_("Usage: "), N_("Options"), N_("Arguments"), N_("Commands"))
_HELP_OPTION = N_("Show this message and exit.")
_REQUIRED = N_("required")
_DEFAULT = N_("default: {default}")
_EXTRA = re.compile(r"\[([^\[\]]*)\]$")
# The placeholders Typer writes for what an option or argument takes, as they stand in its help;
# each is its own message, so that English help stays exactly Typer's.
_METAVARS = (
    N_("<str>"),
    N_("<int>"),
    N_("<int range>"),
    N_("<path>"),
    N_("<list[str]>"),
    N_("<list[int]>"),
    N_("[OPTIONS]"),
    N_("COMMAND"),
    N_("[ARGS]..."),
)
_METAVAR = re.compile("|".join(re.escape(m) for m in _METAVARS))


def _root_options(args: Sequence[str]) -> dict[str, str]:
    """The values of the root's --lang and --config (-c) given before the command's name."""
    found: dict[str, str] = {}
    words = iter(args)
    for word in words:
        name, sep, value = word.partition("=")
        if name in ("--lang", "--config", "-c"):
            found[name.lstrip("-")[:1]] = value if sep else next(words, "")
        elif not word.startswith("-"):
            break  # the command: its own options (check --lang) are not the root's
    return found


def _institution_language(config: Path) -> str | None:
    """config.toml's first `[institution] languages` entry smtool speaks; None when the file is
    missing, unreadable or not TOML (the command itself reports that when it opens the file)."""
    try:
        if not config.is_file():
            return None
        with config.open("rb") as handle:
            raw = handle.read(_MAX_CONFIG_BYTES + 1)
        if len(raw) > _MAX_CONFIG_BYTES:
            return None
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # ValueError: not UTF-8, not TOML, a NUL in the path
        return None
    institution = data.get("institution", {})
    languages = institution.get("languages", ["lv", "en"]) if isinstance(institution, dict) else []
    if not isinstance(languages, list):
        return None
    return next((lang for lang in languages if isinstance(lang, str) and lang in LANGUAGES), None)


def help_language(args: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language help is printed in: a root --lang, SMTOOL_LANG, the institution's first language
    in config.toml (--config, SMTOOL_CONFIG, ./config.toml), else English. A value smtool does not
    speak is passed over here; the root's option callback reports it when the command runs."""
    given = _root_options(args)
    for lang in (given.get("l"), environ.get(LANG_ENV)):
        if lang in LANGUAGES:
            return str(lang)
    config = Path(given.get("c") or environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    return _institution_language(config) or SOURCE_LANGUAGE


def translate_command(command: Command) -> None:
    """Translate a built command's help, its parameters' help and its subcommands', in place, into
    the language in effect; from then on its help is formatted with TranslatedFormatter."""
    command.context_class = TranslatedContext
    if command.help:
        command.help = _(command.help)
    if command.short_help:
        command.short_help = _(command.short_help)
    if command.epilog:
        command.epilog = _(command.epilog)
    for param in command.params:
        text = getattr(param, "help", None)
        if isinstance(text, str) and text:
            param.help = _(text)  # type: ignore[attr-defined]
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            translate_command(sub)


def _placeholders(syntax: str) -> str:
    return _METAVAR.sub(lambda found: _(found.group()), syntax)


def _extra(item: str) -> str:
    if item == "required":
        return _(_REQUIRED)
    if item.startswith("default: "):
        return _(_DEFAULT).format(default=item.removeprefix("default: "))
    return item  # a number range ("1<=x<=9"), the same in every language


class TranslatedFormatter(HelpFormatter):
    """Click's help formatter, speaking the words Click itself writes into help."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _placeholders(args), _("Usage: ") if prefix is None else prefix)

    def section(self, name: str):  # type: ignore[no-untyped-def]  # Click's own generator
        return super().section(_(name))

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(_placeholders(term), self._described(text)) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)

    @staticmethod
    def _described(text: str) -> str:
        if text == _HELP_OPTION:
            return _(_HELP_OPTION)
        extra = _EXTRA.search(text)
        if extra is None:
            return text
        items = "; ".join(_extra(item) for item in extra.group(1).split("; "))
        return f"{text[: extra.start()]}[{items}]"


class TranslatedContext(Context):
    formatter_class = TranslatedFormatter


def activate_for_help(args: Sequence[str], environ: Mapping[str, str] | None = None) -> None:
    """Speak the help language (`help_language`) until the command chooses its own."""
    activate(help_language(args, os.environ if environ is None else environ))
