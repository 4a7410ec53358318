"""The wheel alone carries smtool and its rule packs.

Build the wheel, install it (with its dependencies, from the indexes pip is configured with) in a fresh
virtual environment, and run `smtool check` there, from a folder outside this repository and without
SMTOOL_POLICIES_DIR: the packs must come from the installed `policies` package, not from policies/ here.
"""

from __future__ import annotations

import gettext
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # seconds for one build or install; a cold pip cache downloads every dependency
# voice.first-person (policies/lv-public-sector/voice.toml): its first `fire` and `pass` examples.
FLAGGED = "Es uzskatu, ka reforma ir vajadzīga."
CLEAN = "Aicinām iedzīvotājus pieteikties līdz 31. martam."
PROBE = (
    "import json, smtool; from smtool.checker.packs import default_policies_dir; "
    "print(json.dumps({'smtool': smtool.__file__, 'policies': str(default_policies_dir())}))"
)

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    """This environment without anything that points Python or smtool at the repository."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("SMTOOL_")}


def _run(args: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(a) for a in args]
    return subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, f"{proc.args}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _ok(_run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, ROOT], cwd=dist))
    (built,) = dist.glob("smtool-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (no system site-packages) with the wheel and its dependencies."""
    home = tmp_path_factory.mktemp("installed")
    env = home / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", env], cwd=home))
    # This interpreter's pip installs into the new environment; ensurepip there would only add time.
    _ok(_run([sys.executable, "-m", "pip", "--python", env / "bin" / "python", "install", wheel], cwd=home))
    return env


def test_the_wheel_holds_every_policy_file(wheel: Path) -> None:
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "policies").rglob("*") if p.is_file()}
    on_disk = {name for name in on_disk if "__pycache__" not in name}
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = {name for name in archive.namelist() if name.startswith("policies/")}
    assert "policies/__init__.py" in in_wheel
    assert "policies/README.md" in in_wheel
    assert "policies/lv-public-sector/pack.toml" in in_wheel
    assert "policies/lv-incoming/pack.toml" in in_wheel
    assert on_disk == in_wheel


def test_the_wheel_holds_the_lexicon_and_its_licence(wheel: Path) -> None:
    # The voice rules read the Latvian lexicon at run time; without it every check would fail.
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in ("lv_forms.tsv.gz", "lv_classes.u32.gz", "LICENSE", "README.md"):
        assert f"smtool/checker/lexicon/{name}" in names


def test_the_wheel_holds_the_compiled_latvian_catalog(wheel: Path) -> None:
    # The .mo files are not in git: the build hook (hatch_build.py) compiles them into the wheel.
    with zipfile.ZipFile(wheel) as archive:
        compiled = archive.read("smtool/locale/lv/LC_MESSAGES/smtool.mo")
    catalog = gettext.GNUTranslations(io.BytesIO(compiled))
    assert catalog.gettext("Engagement rate") == "Iesaistes koeficients"
    assert catalog.ngettext("post", "posts", 21) == "ieraksts"


def test_the_installed_wheel_speaks_latvian(venv: Path) -> None:
    probe = "from smtool.i18n import _, speaking\nwith speaking('lv'):\n    print(_('Not allowed'))"
    shown = _ok(_run([venv / "bin" / "python", "-c", probe], cwd=venv.parent)).stdout.strip()
    assert shown == "Nav atļauts"


def test_the_installed_wheel_uses_its_own_smtool_and_packs(venv: Path) -> None:
    cwd = venv.parent
    # -I: no PYTHON* variables, no user site-packages, and not the working directory on sys.path.
    probe = _ok(_run([venv / "bin" / "python", "-I", "-c", PROBE], cwd=cwd))
    found = {k: Path(v).resolve() for k, v in json.loads(probe.stdout).items()}
    for path in found.values():
        assert path.is_relative_to(venv.resolve()), found
        assert not path.is_relative_to(ROOT), found
    assert (found["policies"] / "lv-public-sector" / "voice.toml").is_file()


def test_smtool_check_from_the_wheel_flags_and_passes(venv: Path) -> None:
    smtool = venv / "bin" / "smtool"
    flagged = _run([smtool, "check", "--format", "json", FLAGGED], cwd=venv.parent)
    assert flagged.returncode == 1, flagged.stdout + flagged.stderr
    result = json.loads(flagged.stdout)
    assert result["blocking"] is True
    assert "voice.first-person" in {f["rule"] for f in result["findings"]}

    clean = _run([smtool, "check", CLEAN], cwd=venv.parent)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "voice.first-person" not in clean.stdout
