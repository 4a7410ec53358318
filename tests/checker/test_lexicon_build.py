"""The shipped lexicon is what the generator makes of the installed hunspell-lv, byte for byte.

Anyone can regenerate it (`python -m smtool.checker.lexicon.build DIC AFF`); this test does, and
compares hashes. Without the dictionary it skips on a workstation and fails in CI (.ci/run installs
hunspell-lv), so the check never silently stops running.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import pytest

from smtool.checker.lexicon import CLASSES_FILE, FORMS_FILE, HERE, read_lexicon
from smtool.checker.lexicon.build import build

DIC = Path("/usr/share/hunspell/lv_LV.dic")
AFF = Path("/usr/share/hunspell/lv_LV.aff")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated() -> tuple[bytes, bytes]:
    if not (DIC.is_file() and AFF.is_file()):
        if os.environ.get("CI"):
            pytest.fail("hunspell-lv is not installed: .ci/run installs it (apt-get install hunspell-lv)")
        pytest.skip("hunspell-lv is not installed (apt-get install hunspell-lv)")
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


def test_the_header_names_source_version_and_licence() -> None:
    head = gzip.decompress((HERE / FORMS_FILE).read_bytes()).decode("utf-8").splitlines()[:4]
    text = "\n".join(head)
    assert "hunspell-lv" in text and "1.4.0" in text and "LGPL-2.1" in text
    licence = (HERE / "LICENSE").read_text(encoding="utf-8")
    assert licence.strip().startswith("GNU LESSER GENERAL PUBLIC LICENSE") and "Version 2.1" in licence
