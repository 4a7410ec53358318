"""The interface's language: gettext catalogs (managed with Babel) and Babel's locale data.

Source strings are English; `smtool/locale/<lang>/LC_MESSAGES/smtool.po` holds each other language
(`make messages` extracts and updates, `make` compiles the .mo files, the wheel's build hook
compiles them too). Whoever shows text to a person calls `activate()` once with that person's
language (the CLI: --lang, SMTOOL_LANG, the person's `lang`, the institution's first language);
`_()` and `ngettext()` then speak it, and the formatters below write dates and numbers the way that
language does (Latvian: 3.12.2026., 14:30, 12 345,5).

Nothing here imports the rest of smtool: every layer may translate, and the wheel's build hook
loads this file on its own to compile the catalogs.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "activate",
    "compile_catalog",
    "current",
    "format_clock",
    "format_day",
    "format_decimal",
    "format_moment",
    "format_percent",
    "month_name",
    "ngettext",
    "speaking",
    "weekday_name",
]

DOMAIN = "smtool"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "lv")
"""The interface languages: English (the source strings) and those with a catalog."""

# A process-wide language (the CLI sets it once) that a block of code may override for itself
# (`speaking`), e.g. a scheduled report written in the institution's language by the worker.
_process_language = SOURCE_LANGUAGE
_language: ContextVar[str | None] = ContextVar("smtool_language", default=None)


def activate(lang: str) -> None:
    """Speak `lang` from now on in this process. Raises ValueError for a language not in LANGUAGES."""
    global _process_language  # noqa: PLW0603 - one setting per process, chosen once at start-up
    _process_language = _known(lang)


def current() -> str:
    """The language in effect: the one `speaking` set here, else the process's."""
    return _language.get() or _process_language


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block only. Raises ValueError for a language not in LANGUAGES."""
    token = _language.set(_known(lang))
    try:
        yield
    finally:
        _language.reset(token)


def _known(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown interface language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def _(message: str) -> str:
    """`message` in the current language (itself where the catalog has no translation)."""
    return _translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that `n` takes in the current language (Latvian has three forms, chosen
    by the catalog's Plural-Forms, i.e. Babel's CLDR rule)."""
    return _translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks `message` for extraction where it is defined (a table, a class attribute) and returns it
    unchanged: it is translated with `_()` where it is shown, in the reader's language."""
    return message


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.is_file() and not (po.is_file() and po.stat().st_mtime > mo.stat().st_mtime):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    if po.is_file():
        # A source checkout whose catalogs were not compiled yet (or were edited since `make`):
        # compile in memory rather than speak a stale or missing catalog.
        return gettext.GNUTranslations(io.BytesIO(compile_catalog(po)))
    return gettext.NullTranslations()


def compile_catalog(po: Path) -> bytes:
    """The .mo bytes of the catalog `po` (fuzzy entries left out, as `pybabel compile` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


# Dates and numbers: Babel's CLDR data for Latvian. English keeps the ISO forms smtool has always
# shown (YYYY-MM-DD HH:MM), which scripts and people outside one country read alike.


def format_day(day: date) -> str:
    """A calendar day as the reader writes it: "3.12.2026." in Latvian, "2026-12-03" in English."""
    if current() == SOURCE_LANGUAGE:
        return day.isoformat()
    from babel.dates import format_skeleton

    return str(format_skeleton("yMd", day, locale=current()))


def format_clock(moment: datetime) -> str:
    """A wall-clock time, 24-hour: "14:30"."""
    if current() == SOURCE_LANGUAGE:
        return moment.strftime("%H:%M")
    from babel.dates import format_time

    return str(format_time(moment, "short", locale=current()))


def format_moment(moment: datetime) -> str:
    """A local date and time: "3.12.2026. 14:30" in Latvian, "2026-12-03 14:30" in English."""
    return f"{format_day(moment.date())} {format_clock(moment)}"


def weekday_name(day: date, width: str = "wide") -> str:
    """The day of the week in the reader's language ("ceturtdiena"; "wide" or "abbreviated")."""
    from babel.dates import format_date

    return str(format_date(day, "EEEE" if width == "wide" else "EEE", locale=current()))


def month_name(day: date) -> str:
    """The month's name as it stands alone ("decembris", "December")."""
    from babel.dates import format_date

    return str(format_date(day, "LLLL", locale=current()))


def format_decimal(value: float, digits: int = 2) -> str:
    """A number with the reader's separators and `digits` decimals (Latvian: "12 345,50", a no-break
    space between thousands and a decimal comma; English: "12,345.50")."""
    from babel.numbers import format_decimal as babel_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(babel_decimal(value, format=pattern, locale=current()))


def format_percent(share: float, digits: int = 1) -> str:
    """A 0..1 share as a percentage in the reader's form ("25,3 %" in Latvian, "25.3 %" in English)."""
    return f"{format_decimal(share * 100, digits)} %"
