"""What every command shares: the config path, the acting user, the language, consoles and error
printing.

Which language smtool speaks (smtool.i18n): --lang or SMTOOL_LANG for one command, else the acting
person's `lang` ([[users]], as applied), else the institution's first language it has a catalog for.

Who acts: over SSH, the person the key proved (`ssh shell` sets `state.proven`); in a personal
installation, the name given with --as or SMTOOL_USER; in a shared one ([access] mode = "shared")
nobody can be named, and installation-level commands run on the server act as its operator.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import typer

from smtool.domain.timezones import format_local
from smtool.domain.words import counted, forms, noun
from smtool.errors import ConfigError, SmtoolError, UsageError
from smtool.i18n import LANGUAGES, N_, _, activate
from smtool.services.paging import DEFAULT_LIMIT, MAX_LIMIT
from smtool.services.text import inert, json_inert, strip_unsafe

# The configuration (pydantic) and the database stack (SQLAlchemy, the tables) are imported where
# they are used, not here: every command imports this module, and `--help` needs neither.
if TYPE_CHECKING:
    from rich.console import Console

    from smtool.config import Settings
    from smtool.services.context import Context
    from smtool.services.identity.shell import Identity

__all__ = ["console", "emit_json", "err_console", "inert", "print_error", "settings", "state", "to_json"]


class _OnFirstUse:
    """A rich Console made when first used: `--help` prints through Click and needs no rich."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return getattr(self._console, name)


console = cast("Console", _OnFirstUse(stderr=False))
err_console = cast("Console", _OnFirstUse(stderr=True))


@dataclass
class _State:
    config_path: str | None = None
    proven: Identity | None = None
    """Who the SSH key proved, for the whole process (`smtool ssh shell`)."""
    lang: str | None = None
    """--lang or SMTOOL_LANG: the language for this command, whoever acts."""
    applied: Settings | None = None
    """The settings with the users as applied in the database, once a command opened it."""


state = _State()


def settings() -> Settings:
    """The settings named by --config (or SMTOOL_CONFIG, or ./config.toml).

    A command asks several times (who may type --as, opening the database, whether config.toml
    differs from what is applied); the file is read and validated once while it and the SMTOOL_*
    variables stay the same. Settings are frozen, so the copy handed out cannot be changed."""
    from smtool.config import config_path, load_settings

    file = config_path(state.config_path)
    try:
        seen = file.stat()
    except OSError:
        return load_settings(state.config_path)  # says what is wrong with the file
    key = (
        str(file.resolve()),
        (seen.st_ino, seen.st_size, seen.st_mtime_ns, seen.st_ctime_ns),
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("SMTOOL_"))),
    )
    cached = _settings_read.get(key)
    if cached is None:
        cached = load_settings(state.config_path)
        _settings_read.clear()
        _settings_read[key] = cached
    return cached


# The settings last read (`settings`), by file, its state on disk and the SMTOOL_* variables.
_settings_read: dict[tuple[str, tuple[int, int, int, int], tuple[tuple[str, str], ...]], Settings] = {}


SHARED_INSTALLATION = N_(
    "in a shared installation who acts is proven by an SSH key, not typed. Connect with your own key "
    "and give the command there (`ssh SERVICE-ACCOUNT@HOST post list`); an admin adds keys with "
    "`smtool user add-key NAME`"
)


def _shared() -> bool:
    try:
        return settings().access.mode == "shared"
    except ConfigError:
        # Nothing acts without the configuration; the command reports why when it opens it.
        return False


def _typed_name(explicit: str | None) -> str | None:
    """--as, else SMTOOL_USER; raises UsageError when a name is typed in a shared installation."""
    name = explicit or os.environ.get("SMTOOL_USER")
    if name and _shared():
        raise UsageError(_("--as and SMTOOL_USER are refused: {why}").format(why=_(SHARED_INSTALLATION)))
    return name


LANG_ENV = "SMTOOL_LANG"


def choose_language(override: str | None) -> None:
    """Speak --lang (`override`) or SMTOOL_LANG if given, else the institution's language until
    the acting person is known (`speak_to`). Raises UsageError for a language without a catalog."""
    lang = override or os.environ.get(LANG_ENV) or None
    if lang is not None and lang not in LANGUAGES:
        source = "--lang" if override else LANG_ENV
        raise UsageError(
            _("{source} {lang} is not a language smtool speaks; choose one of {choices}").format(
                source=source, lang=repr(lang), choices=", ".join(LANGUAGES)
            )
        )
    state.lang = lang
    # Who acts may be known before the command says: proven by an SSH key, or SMTOOL_USER.
    speak_to(state.proven.user if state.proven else os.environ.get("SMTOOL_USER"))


def speak_to(person: str | None) -> None:
    """Speak to `person`: --lang or SMTOOL_LANG, else their own `lang`, else the institution's
    first language with a catalog (English where there is no configuration to say)."""
    if state.lang is not None:
        activate(state.lang)
        return
    try:
        current = state.applied or settings()
    except ConfigError:
        return  # no institution to ask; the command reports the configuration when it opens it
    own = next((u.lang for u in current.users if u.name == person and u.lang), None)
    activate(own or next((lang for lang in current.institution.languages if lang in LANGUAGES), "en"))


def acting_user(explicit: str | None) -> str:
    """The person the SSH key proved, else --as USER or SMTOOL_USER in a personal installation;
    from here on smtool speaks that person's language.

    Raises UsageError when a name is typed in a shared installation, or none is given.
    """
    if state.proven is not None:
        speak_to(state.proven.user)
        return state.proven.user
    name = _typed_name(explicit)
    if name:
        speak_to(name)
        return name
    if _shared():
        raise UsageError(_("this command acts for a person: {why}").format(why=_(SHARED_INSTALLATION)))
    raise UsageError(_("say who you are: --as USER or SMTOOL_USER=USER"))


def print_error(error: SmtoolError) -> None:
    # Titles are English in the code (marked with N_) and read in the reader's language here.
    err_console.print(f"{_(error.title)}: {strip_unsafe(error.msg)}", markup=False)


def check_text_input(args: Sequence[str], environ: Mapping[str, str]) -> None:
    """Raise UsageError naming the first command-line argument or SMTOOL_* variable that is not
    UTF-8 text.

    Python hands undecodable bytes of argv and the environment over as lone surrogates, which no
    output, database or platform can take: refused once here, before any command runs, instead of
    failing wherever the text first goes (a message, an INSERT, an HTTP header)."""
    named = [(_("argument {n} of the command").format(n=n), arg) for n, arg in enumerate(args, 1)]
    named += [
        (_("the variable {name}").format(name=k), v)
        for k, v in sorted(environ.items())
        if k.startswith("SMTOOL_")
    ]
    for where, value in named:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(
                _(
                    "{where} is not UTF-8 text: '{shown}'; type it again in a UTF-8 terminal (locale) or "
                    "fix the bytes shown as \\x.."
                ).format(where=where, shown=strip_unsafe(shown))
            ) from None


def stdin_text(limit: int, what: str, *, line: bool = False) -> str:
    """Standard input as UTF-8 text (only its first line with `line`), at most `limit` bytes.

    Raises UsageError for more than `limit` bytes or bytes that are not UTF-8; `what` says in the
    message what should be there."""
    source = sys.stdin.buffer
    raw = source.readline(limit + 1) if line else source.read(limit + 1)
    if len(raw) > limit:
        raise UsageError(
            _("standard input is longer than {limit} bytes; give {what}").format(limit=limit, what=what)
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(
            _("standard input is not UTF-8 text (byte {byte}); give {what}").format(byte=e.start, what=what)
        ) from None


def emit_json(value: Any, *, indent: int | None = 2) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping; `indent=None` for one
    line (JSON Lines). Every JSON the CLI prints comes through here.

    Citizens' text reaches this output: C1 controls (U+009B starts a terminal command), bidi
    overrides, zero-width characters and line separators are written as \\uXXXX escapes, the same
    data for a script and inert for a person reading it in a terminal; the rest stays readable
    UTF-8 (Latvian letters are not escaped)."""
    print(to_json(value, indent=indent))


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """The JSON text `emit_json` prints, for commands that print it as part of something else."""
    return json_inert(json.dumps(value, ensure_ascii=False, indent=indent, default=_json_value))


def _json_value(value: object) -> str:
    # Times for scripts are ISO 8601 everywhere (str() of a datetime drops the "T").
    return value.isoformat() if isinstance(value, datetime) else str(value)


def actor(explicit: str | None = None) -> str:
    """Who the audit log names for an installation-level command: the person the SSH key proved,
    --as or SMTOOL_USER (personal installations only), else the operator's OS account.

    Raises UsageError when a name is typed in a shared installation.
    """
    from smtool.services.people import OPERATOR_PREFIX

    if state.proven is not None:
        return state.proven.user
    return _typed_name(explicit) or f"{OPERATOR_PREFIX}{_os_user()}"


def _os_user() -> str:
    import getpass

    return getpass.getuser()


def open_context() -> Context:
    """Settings plus an opened, schema-checked database whose audit events say how the actor was
    proven: by an SSH key, or locally by the OS account that ran the command."""
    from smtool.services.context import Context
    from smtool.services.records.attribution import attribute_to

    ctx = Context.open(settings())
    attribute_to(ctx.db, via())
    state.applied = ctx.settings  # a person's `lang` counts once applied, like their roles
    return ctx


def via() -> str:
    """How the actor was proven, for the audit log: by an SSH key, or locally by the OS account."""
    return state.proven.via if state.proven else f"local {_os_user()}"


def note_unapplied_config(ctx: Context) -> None:
    """Say on stderr when config.toml's users or accounts differ from the applied ones, so nobody
    reads the file and believes it is in effect."""
    from smtool.services.installation.pending import pending_changes_of

    pending = pending_changes_of(ctx, settings())
    if pending:
        err_console.print(
            _("Note: config.toml changes {what} not applied yet; see `smtool config apply --dry-run`").format(
                what=counted(len(pending), "user or account", "users or accounts")
            ),
            markup=False,
        )


def note_next_page(command: Sequence[str], cursor: str | None, as_json: bool) -> None:
    """Say how to get the next page when a list stopped at its --limit: after the table, or on
    stderr with --json, so that stdout stays the list a script parses and the script still learns
    it has not got everything. `command` is the command with its filters, which the next page needs
    again."""
    if cursor is None:
        return
    note = _("More: {command}").format(command="smtool " + shlex.join([*command, "--after", cursor]))
    (err_console if as_json else console).print(note, markup=False)


def local_time(moment: datetime | str | None, zone: str, missing: str = "-") -> str:
    """A moment as people read it everywhere in the CLI: "2026-12-01 09:30 EET", in the
    institution's zone (`[institution] timezone`). Read models carry ISO 8601 UTC for scripts
    (`--json`); tables and lines show this. `missing` stands for no time at all."""
    if moment is None:
        return missing
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:  # a time from a file smtool did not write: shown as it is, never a crash
            return inert(moment)
        moment = parsed
    if moment.tzinfo is None:  # the store keeps UTC; a naive value is UTC that lost its zone
        moment = moment.replace(tzinfo=UTC)
    return format_local(moment, zone)


def given_limit(limit: int) -> str | None:
    """A --limit worth repeating in the next page's command: only one that is not the default."""
    return None if limit == DEFAULT_LIMIT else str(limit)


def filters(**values: str | None) -> list[str]:
    """The options given, as words of a command line (`state="held"` -> ["--state", "held"])."""
    return [word for name, value in values.items() if value for word in (f"--{name}", value)]


# Ids and versions are the databases' BIGINT: a larger number names no row, and the drivers fail on
# it ("Python int too large to convert to SQLite INTEGER"). So the parser refuses it, as it refuses
# "abc": a usage error naming the argument and the range, exit 2, before anything is opened.
MAX_ID = 2**63 - 1


def id_argument(help_text: str) -> Any:
    """A required positional id (a post, an inbox item, a hold), 1 to MAX_ID."""
    return typer.Argument(..., min=1, max=MAX_ID, help=help_text)


def id_option(flag: str, help_text: str, low: int = 1) -> Any:
    """An optional id or version given with `flag`, `low` to MAX_ID."""
    return typer.Option(None, flag, min=low, max=MAX_ID, help=help_text)


# A guideline finding's level as the reader says it (JSON keeps the level's own name): the singular of
# the counted noun, since a catalog holds one entry per English word.
_LEVEL_NAMES = {
    "error": forms("error", "errors"),
    "warning": forms("warning", "warnings"),
    "suggestion": forms("suggestion", "suggestions"),
}


def level_name(level: str) -> str:
    """A finding's level ("error", "warning", "suggestion") in the reader's language."""
    return noun(1, *_LEVEL_NAMES[level]) if level in _LEVEL_NAMES else level


AS_USER_HELP = N_("Act as this user (default: SMTOOL_USER); only in a personal installation.")
JSON_HELP = N_("Print JSON instead of a table.")
LIMIT_HELP = N_("Rows per page; a longer list says where the next page starts (--after).")
AFTER_HELP = N_("Where the previous page ended (printed after it, on stderr with --json).")
LIMIT = typer.Option(DEFAULT_LIMIT, "--limit", min=1, max=MAX_LIMIT, help=LIMIT_HELP)
