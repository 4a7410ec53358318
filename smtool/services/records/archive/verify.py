"""Checking an archive: every file is where the manifests say, with the checksum they say, and no other.

Exit codes follow design.md: a zip that cannot be read at all (not a zip, truncated, corrupt data)
is unusable input, ArchiveUnreadable (exit 2); a readable bag whose files do not match its manifests
(modified, missing, extra) is a failed check, returned as problems (exit 1 in the CLI).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from smtool.errors import SmtoolError, UsageError
from smtool.services.records.archive import layout

_CHUNK = 1 << 20
_ENCRYPTED = 0x1  # general purpose flag bit 0 of a zip entry (APPNOTE 4.4.4)


class ArchiveUnreadable(SmtoolError):
    """The file is not a readable zip (truncated, corrupt, or something else)."""

    exit_code = 2
    default_title = "Archive unreadable"


@dataclass
class ArchiveCheck:
    root: str
    files: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: Path) -> ArchiveCheck:
    """Check the archive at `path`; raises UsageError (no such file) or ArchiveUnreadable."""
    if not path.is_file():
        raise UsageError(f"{path} does not exist or is not a file; give the archive's .zip file")
    try:
        with zipfile.ZipFile(path) as bag:
            return _check(bag, path)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ArchiveUnreadable(
            f"{path} is not a readable zip archive ({error}); it may be truncated or damaged. "
            "Copy it again from where it was kept."
        ) from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def _check(bag: zipfile.ZipFile, path: Path) -> ArchiveCheck:
    if any(info.flag_bits & _ENCRYPTED for info in bag.infolist()):
        # zipfile would raise RuntimeError at the first read; smtool never encrypts an archive.
        raise ArchiveUnreadable(
            f"{path} holds password-protected files; an smtool archive is never encrypted. "
            "Use the zip smtool wrote, or unpack and re-zip it without a password."
        )
    names = [n for n in bag.namelist() if not n.endswith("/")]
    roots = {n.split("/", 1)[0] for n in names}
    if len(roots) != 1 or any("/" not in n for n in names):
        raise ArchiveUnreadable(f"{path} is not an smtool archive: expected one folder holding a BagIt bag")
    (root,) = roots
    check = ArchiveCheck(root)
    present = {n.split("/", 1)[1] for n in names}
    if len(present) < len(names):
        # Two members of one name: tools disagree on which one is "the" file; never a clean bag.
        counts = Counter(names)
        check.problems.extend(
            f"file stored twice: {n.split('/', 1)[1]}" for n in sorted(counts) if counts[n] > 1
        )
    tags = _manifest(bag, root, layout.TAG_MANIFEST, check)
    payload = _manifest(bag, root, layout.MANIFEST, check)
    if tags is None or payload is None:
        return check
    if layout.BAGIT not in tags:
        check.problems.append(f"{layout.TAG_MANIFEST} does not list {layout.BAGIT}")
    expected = {**payload, **tags}
    for name in sorted(present - set(expected) - {layout.TAG_MANIFEST}):
        check.problems.append(f"extra file not in the manifests: {name}")
    for name, digest in sorted(expected.items()):
        if name.startswith("/") or ".." in name.split("/"):
            check.problems.append(f"the manifest names a path outside the archive: {name}")
        elif name not in present:
            check.problems.append(f"missing file: {name}")
        elif _digest(bag, f"{root}/{name}") != digest:
            check.problems.append(f"modified file: {name} (its SHA-256 differs from the manifest)")
        else:
            check.files += 1
    if layout.REGISTER in present and layout.REGISTER in payload:
        _check_register(bag, root, payload, check)
    return check


def _manifest(bag: zipfile.ZipFile, root: str, name: str, check: ArchiveCheck) -> dict[str, str] | None:
    try:
        text = bag.read(f"{root}/{name}").decode("utf-8")
    except KeyError:
        check.problems.append(f"missing file: {name}")
        return None
    except UnicodeDecodeError:
        check.problems.append(f"{name} is not UTF-8 text")
        return None
    entries = layout.parse_manifest(text)
    if entries is None:
        check.problems.append(f"{name} has a line that is not '<sha256>  <path>'")
    return entries


def _digest(bag: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with bag.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_register(bag: zipfile.ZipFile, root: str, payload: dict[str, str], check: ArchiveCheck) -> None:
    """Each register row names a record file of the bag with the checksum the manifest has."""
    with bag.open(f"{root}/{layout.REGISTER}") as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        try:
            if tuple(reader.fieldnames or ()) != layout.REGISTER_COLUMNS:
                check.problems.append(f"{layout.REGISTER} does not have the register's columns")
                return
            for row in reader:
                check.records += 1
                if payload.get(row["file"]) != row["sha256"]:
                    check.problems.append(
                        f"register row {row['record']} names {row['file']}, which the manifest does not "
                        "hold with that checksum"
                    )
        except (UnicodeDecodeError, csv.Error) as error:
            # A damaged register is a failed check like any modified file, not unusable input:
            # the rest of the bag was checked and is reported.
            check.problems.append(f"{layout.REGISTER} cannot be read as a CSV register ({error})")
