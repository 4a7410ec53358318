"""The shipped lexicon is what the generator makes of the installed hunspell-lv, byte for byte.

Anyone can regenerate it (`python -m smtool.checker.lexicon.build DIC AFF`); this test does, and
compares hashes. Without the dictionary it skips on a workstation and fails in CI (.ci/run installs
hunspell-lv), so the check never silently stops running.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import pytest

from smtool.checker.declension import noun_forms
from smtool.checker.lexicon import CLASSES_FILE, FORMS_FILE, HERE, read_lexicon
from smtool.checker.lexicon.build import build, build_nouns, noun_paradigms
from smtool.checker.lexicon.hunspell import read_aff
from smtool.checker.lexicon.nouns import NOUNS_FILE, NounParadigms, decode, table_lines

DIC = Path("/usr/share/hunspell/lv_LV.dic")
AFF = Path("/usr/share/hunspell/lv_LV.aff")

pytestmark = pytest.mark.slow


def _need_dictionary() -> None:
    if not (DIC.is_file() and AFF.is_file()):
        if os.environ.get("CI"):
            pytest.fail("hunspell-lv is not installed: .ci/run installs it (apt-get install hunspell-lv)")
        pytest.skip("hunspell-lv is not installed (apt-get install hunspell-lv)")


@pytest.fixture(scope="module")
def generated() -> tuple[bytes, bytes]:
    _need_dictionary()
    return build(DIC, AFF)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_shipped_tables_are_what_the_generator_makes(generated: tuple[bytes, bytes]) -> None:
    forms, classes = generated
    assert _sha((HERE / FORMS_FILE).read_bytes()) == _sha(forms), "regenerate: see lexicon/README.md"
    assert _sha((HERE / CLASSES_FILE).read_bytes()) == _sha(classes), "regenerate: see lexicon/README.md"


def test_the_command_writes_files_the_lexicon_reads(generated: tuple[bytes, bytes], tmp_path: Path) -> None:
    (tmp_path / FORMS_FILE).write_bytes(generated[0])
    (tmp_path / CLASSES_FILE).write_bytes(generated[1])
    lex = read_lexicon(tmp_path)
    readings = lex.analyses("uzskatu") or ()
    assert {a.pos for a in readings} == {"verb", "noun"}
    assert lex.is_a("apmeklējiet", "imperative-2pl")
    assert lex.is_a("izvēlieties", "imperative-2pl")  # reflexive imperatives too


def test_the_header_names_source_version_and_licence() -> None:
    head = gzip.decompress((HERE / FORMS_FILE).read_bytes()).decode("utf-8").splitlines()[:4]
    text = "\n".join(head)
    assert "hunspell-lv" in text and "1.4.0" in text and "LGPL-2.1" in text
    licence = (HERE / "LICENSE").read_text(encoding="utf-8")
    assert licence.strip().startswith("GNU LESSER GENERAL PUBLIC LICENSE") and "Version 2.1" in licence


def test_the_shipped_noun_paradigms_are_what_the_generator_makes() -> None:
    _need_dictionary()
    assert _sha((HERE / NOUNS_FILE).read_bytes()) == _sha(build_nouns(DIC, AFF)), (
        "regenerate: see lexicon/README.md"
    )


def test_nouns_the_table_never_saw_decline_as_the_dictionary_declines_them() -> None:
    # A fifth of the dictionary's nouns (by a hash of the lemma) is held out: the table is learnt
    # from the rest, then asked to decline the held-out ones in the singular, where names live.
    _need_dictionary()
    nouns = list(noun_paradigms(DIC, read_aff(AFF)))
    held_out = {lemma for lemma, _, _ in nouns if zlib.crc32(lemma.encode("utf-8")) % 5 == 0}
    lines = table_lines((lemma, p) for lemma, p, _ in nouns if lemma not in held_out)
    table = NounParadigms({ending: decode(code) for ending, code in (line.split("\t") for line in lines)})
    for proper, goal in ((True, 0.97), (False, 0.95)):
        tried = right = 0
        for lemma, paradigm, is_proper in nouns:
            if lemma not in held_out or is_proper != proper:
                continue
            folded = lemma.casefold()
            want = {
                tag: folded[: len(folded) - len(strip)] + add for tag, strip, add in paradigm if tag[0] == "v"
            }
            learnt = table.paradigm(lemma)
            got = {tag: form.casefold() for tag, form in noun_forms(lemma, learnt).items()} if learnt else {}
            tried += 1
            right += all(got.get(tag) == form for tag, form in want.items())
        kind = "proper nouns (names, places)" if proper else "common nouns"
        print(f"\n{tried:,} held-out {kind}: {right / tried:.1%} declined exactly in the singular")
        assert right / tried >= goal
