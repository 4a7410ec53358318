"""The interface's catalogs: every message marked in the source has a Latvian translation with the
same placeholders, the language is chosen as documented, and a missing or edited .mo never makes
smtool speak a stale catalog."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from smtool import i18n
from smtool.i18n import _, ngettext, speaking
from tests.support.cli import run_smtool
from tests.support.databases import BASE_CONFIG

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "smtool" / "locale"
LANGUAGES_WITH_CATALOGS = [p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/smtool.po")]


def _makefile_keywords() -> dict[str, tuple[int, ...]]:
    """The extraction keywords `make messages` uses (the Makefile's KEYWORDS line), so that this test
    sees exactly the messages the catalog is built from."""
    line = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("KEYWORDS"))
    keywords: dict[str, tuple[int, ...]] = {}
    for name, spec in re.findall(r"-k (\w+):([\d,]+)", line):
        keywords[name] = tuple(int(i) for i in spec.split(","))
    return keywords


def _source_messages() -> dict[str | tuple[str, str], str]:
    """Every message marked for translation in smtool/, with where it is."""
    keywords = {**DEFAULT_KEYWORDS, **_makefile_keywords()}
    found: dict[str | tuple[str, str], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT / "smtool", method_map=[("**.py", "python")], keywords=keywords
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, f"smtool/{filename}:{lineno}")
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_makefile_extracts_counted_nouns() -> None:
    assert _makefile_keywords() == {"counted": (2, 3), "noun": (2, 3), "forms": (1, 2)}


@pytest.mark.parametrize("lang", LANGUAGES_WITH_CATALOGS)
def test_every_marked_message_has_a_translation(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "smtool.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else (m.id[0], m.id[1]))
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = {key: where for key, where in _source_messages().items() if key not in translated}
    assert not missing, f"untranslated in {lang} (run `make messages` and translate): " + "; ".join(
        f"{where}: {key!r}" for key, where in sorted(missing.items(), key=str)
    )


@pytest.mark.parametrize("lang", LANGUAGES_WITH_CATALOGS)
def test_translations_keep_every_placeholder(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "smtool.po").open("rb") as handle:
        catalog = read_po(handle)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set().union(*(_fields(i) for i in ids))
        wrong += [(ids[0], s) for s in strings if s and _fields(s) != expected]
    assert not wrong, f"translations that drop or add a placeholder: {wrong}"


def test_latvian_plural_forms_are_babels() -> None:
    # The catalog's Plural-Forms is Babel's (CLDR) rule for Latvian, three forms: not ours by hand.
    from babel.messages.plurals import get_plural

    with (LOCALES / "lv" / "LC_MESSAGES" / "smtool.po").open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.num_plurals == 3
    assert catalog.plural_expr == get_plural("lv").plural_expr
    with speaking("lv"):
        assert [ngettext("post", "posts", n) for n in (1, 2, 10, 21)] == [
            "ieraksts",
            "ieraksti",
            "ierakstu",
            "ieraksts",
        ]


def test_an_edited_catalog_is_read_even_before_make_compiles_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh clone has no .mo (they are built); a translator's edit is newer than the .mo: either
    # way smtool compiles the .po in memory rather than speak English or a stale catalog.
    folder = tmp_path / "lv" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = (LOCALES / "lv" / "LC_MESSAGES" / "smtool.po").read_text(encoding="utf-8")
    (folder / "smtool.po").write_text(
        source.replace('msgstr "Nav atļauts"', 'msgstr "Nav atļauts (labots)"'), encoding="utf-8"
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._translations.cache_clear()
    try:
        with speaking("lv"):
            assert _("Not allowed") == "Nav atļauts (labots)"
    finally:
        monkeypatch.undo()
        i18n._translations.cache_clear()


def test_dates_and_numbers_come_from_babels_locale_data() -> None:
    day, moment = date(2026, 12, 3), datetime(2026, 12, 3, 14, 30)
    with speaking("lv"):
        assert (i18n.format_day(day), i18n.format_clock(moment)) == ("3.12.2026.", "14:30")
        assert i18n.format_moment(moment) == "3.12.2026. 14:30"
        assert (i18n.weekday_name(day), i18n.weekday_name(day, "abbreviated")) == ("ceturtdiena", "ceturtd.")
        assert i18n.month_name(day) == "decembris"
        assert (
            i18n.format_decimal(12345.5) == "12\u00a0345,50"
            and i18n.format_decimal(1234567, 0) == "1\u00a0234\u00a0567"
        )
        assert i18n.format_percent(0.253) == "25,3 %"
    # English keeps the ISO forms smtool has always shown, and English names and separators.
    assert (i18n.format_day(day), i18n.format_moment(moment)) == ("2026-12-03", "2026-12-03 14:30")
    assert (i18n.weekday_name(day), i18n.month_name(day)) == ("Thursday", "December")
    assert i18n.format_decimal(12345.5) == "12,345.50" and i18n.format_percent(0.253) == "25.3 %"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lv"), speaking("de"):
        pass


# The language a command speaks: --lang, else SMTOOL_LANG, else the person's own, else the
# institution's first. `post show 999` fails with the error line in that language.


def _installation(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    text = BASE_CONFIG.format(url=f"sqlite:///{tmp_path / 'smtool.db'}")
    config.write_text(text.replace('name = "karlis"\n', 'name = "karlis"\nlang = "en"\n'), encoding="utf-8")
    assert run_smtool("--config", str(config), "init", cwd=tmp_path).code == 0
    return config


def _error_line(tmp_path: Path, config: Path, *args: str, env: dict[str, str]) -> tuple[int, str]:
    result = run_smtool("--config", str(config), *args, "post", "approve", "999", cwd=tmp_path, env=env)
    return result.code, result.err.strip()


def test_the_error_line_speaks_the_persons_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _installation(tmp_path)
    monkeypatch.delenv("SMTOOL_LANG")
    # anna has no `lang`: the institution's first language (Latvian, the default).
    code, line = _error_line(tmp_path, config, env={"SMTOOL_USER": "anna"})
    assert code == 1 and line.startswith("Nav atļauts: ")
    # karlis chose English.
    code, line = _error_line(tmp_path, config, env={"SMTOOL_USER": "karlis"})
    assert code == 1 and line.startswith("Not found: ")
    # --lang and SMTOOL_LANG override for one command, --lang first.
    code, line = _error_line(tmp_path, config, "--lang", "lv", env={"SMTOOL_USER": "karlis"})
    assert line.startswith("Nav atrasts: ")
    code, line = _error_line(tmp_path, config, env={"SMTOOL_USER": "karlis", "SMTOOL_LANG": "lv"})
    assert line.startswith("Nav atrasts: ")
    code, line = _error_line(
        tmp_path, config, "--lang", "en", env={"SMTOOL_USER": "anna", "SMTOOL_LANG": "lv"}
    )
    assert line.startswith("Not allowed: ")


def test_a_language_without_a_catalog_is_a_usage_error(tmp_path: Path) -> None:
    config = _installation(tmp_path)
    result = run_smtool("--config", str(config), "--lang", "de", "user", "list", cwd=tmp_path)
    assert result.code == 2
    assert (
        result.err.strip()
        == "Invalid input: --lang 'de' is not a language smtool speaks; choose one of en, lv"
    )
    result = run_smtool("--config", str(config), "user", "list", cwd=tmp_path, env={"SMTOOL_LANG": "ru"})
    assert result.code == 2 and "SMTOOL_LANG 'ru'" in result.err
