"""The same text gets the same language analysis in every process (set order varies by hash seed)."""

from __future__ import annotations

import os
import subprocess
import sys

# One Latvian and one English sentence: a tie that set order used to decide (seeds 3, 4, 5 and 7
# gave "en", the others "lv").
TEXT = "Ministrija aicina pieteikties līdz piektdienai. I think the deadline is too short!!!"
PROBE = (
    "import sys; from smtool.checker.text import Doc; d = Doc(sys.argv[1]); "
    "print(d.main_language, [s.lang for s in d.sentences])"
)


def _analysis(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, TEXT], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    return proc.stdout


def test_language_analysis_does_not_depend_on_the_hash_seed() -> None:
    outputs = {_analysis(str(seed)) for seed in range(8)}
    assert len(outputs) == 1, outputs
    assert outputs.pop().startswith("lv ")  # a tie goes to the institution's language
