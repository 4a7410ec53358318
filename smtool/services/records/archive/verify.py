"""Checking an archive: signed by the institution, every file where the manifests say, with the
checksum they say, and no other.

Exit codes follow design.md: a zip that cannot be read at all (not a zip, truncated, corrupt data)
is unusable input, ArchiveUnreadable (exit 2); a readable bag whose files do not match its manifests
(modified, missing, extra) or whose signature does not hold is a failed check, returned as problems
(exit 1 in the CLI).

The checksums alone prove only that the manifests agree with the files: someone who edits a record,
its register row and both manifests together makes them agree again. The signature in bag-info.txt
(layout) ties the tag manifest, and so every file, to the holder of the institution's signing key;
it is checked with the public key the caller gives (the installation's, or one exported with
`smtool keys public`), so a third party can check an archive without the installation.

A zip is untrusted input: the manifests and the register are read as streams, and a file larger than
its role allows (a manifest can name each of the zip's files only once) is refused from the size the
zip declares, before a byte of it is inflated; zipfile never yields more than that declared size.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smtool.errors import SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.records.archive import layout
from smtool.services.records.signing import fingerprint, public_text, signature_holds

_CHUNK = 1 << 20
_ENCRYPTED = 0x1  # general purpose flag bit 0 of a zip entry (APPNOTE 4.4.4)
# A manifest line: 64 hex digits, two spaces, the path (each byte percent-encoded at worst: 3 bytes),
# a line end (CRLF at worst). Plus some room for blank lines at the end.
_LINE_OVERHEAD = 64 + 2 + 2
_MANIFEST_SLACK = 4096
# bag-info.txt is a dozen short lines; bagit.txt two.
_INFO_LIMIT = 64 * 1024


class ArchiveUnreadable(SmtoolError):
    """The file is not a readable zip (truncated, corrupt, or something else)."""

    exit_code = 2
    default_title = N_("Archive unreadable")


@dataclass
class ArchiveCheck:
    root: str
    files: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)
    signed_by: str | None = None
    """Fingerprint of the key whose signature holds (None: the signature did not hold)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: Path, key: Ed25519PublicKey) -> ArchiveCheck:
    """Check the archive at `path`, its signature with the institution's public `key`; raises
    UsageError (no such file) or ArchiveUnreadable."""
    if not path.is_file():
        raise UsageError(
            _("{file} does not exist or is not a file; give the archive's .zip file").format(file=path)
        )
    try:
        with zipfile.ZipFile(path) as bag:
            return _check(bag, path, key)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ArchiveUnreadable(
            _(
                "{file} is not a readable zip archive ({error}); it may be truncated or damaged. "
                "Copy it again from where it was kept."
            ).format(file=path, error=error)
        ) from None
    except OSError as error:
        raise UsageError(
            _("cannot read {file}: {reason}").format(file=path, reason=error.strerror or error)
        ) from None


def _check(bag: zipfile.ZipFile, path: Path, key: Ed25519PublicKey) -> ArchiveCheck:
    if any(info.flag_bits & _ENCRYPTED for info in bag.infolist()):
        # zipfile would raise RuntimeError at the first read; smtool never encrypts an archive.
        raise ArchiveUnreadable(
            _(
                "{file} holds password-protected files; an smtool archive is never encrypted. "
                "Use the zip smtool wrote, or unpack and re-zip it without a password."
            ).format(file=path)
        )
    names = [n for n in bag.namelist() if not n.endswith("/")]
    roots = {n.split("/", 1)[0] for n in names}
    if len(roots) != 1 or any("/" not in n for n in names):
        raise ArchiveUnreadable(
            _("{file} is not an smtool archive: expected one folder holding a BagIt bag").format(file=path)
        )
    (root,) = roots
    check = ArchiveCheck(root)
    present = {n.split("/", 1)[1] for n in names}
    if len(present) < len(names):
        # Two members of one name: tools disagree on which one is "the" file; never a clean bag.
        counts = Counter(names)
        check.problems.extend(
            _("file stored twice: {file}").format(file=n.split("/", 1)[1])
            for n in sorted(counts)
            if counts[n] > 1
        )
    # The largest a manifest of this zip's files can be: each file named once.
    limit = _MANIFEST_SLACK + sum(_LINE_OVERHEAD + 3 * len(name.encode("utf-8")) for name in present)
    tag_text = _small(bag, root, layout.TAG_MANIFEST, limit, check)
    tags = None if tag_text is None else _manifest(_lines(tag_text), layout.TAG_MANIFEST, check)
    payload = _payload_manifest(bag, root, limit, check)
    if tag_text is not None:
        _check_signature(bag, root, tag_text, key, check)
    if tags is None or payload is None:
        return check
    if layout.BAGIT not in tags:
        check.problems.append(
            _("{manifest} does not list {file}").format(manifest=layout.TAG_MANIFEST, file=layout.BAGIT)
        )
    expected = {**payload, **tags}
    # bag-info.txt holds the tag manifest's signature, so the tag manifest cannot list it; the
    # signature covers it instead.
    for name in sorted(present - set(expected) - {layout.TAG_MANIFEST, layout.BAG_INFO}):
        check.problems.append(_("extra file not in the manifests: {file}").format(file=name))
    _check_files(bag, root, present, expected, check)
    if layout.REGISTER in present and layout.REGISTER in payload:
        _check_register(bag, root, payload, check)
    return check


def _check_files(
    bag: zipfile.ZipFile, root: str, present: set[str], expected: dict[str, str], check: ArchiveCheck
) -> None:
    """Every file the manifests name is in the bag with the checksum they give, read as a stream."""
    for name, digest in sorted(expected.items()):
        if name.startswith("/") or ".." in name.split("/"):
            check.problems.append(
                _("the manifest names a path outside the archive: {file}").format(file=name)
            )
        elif name not in present:
            check.problems.append(_("missing file: {file}").format(file=name))
        elif _digest(bag, f"{root}/{name}") != digest:
            check.problems.append(
                _("modified file: {file} (its SHA-256 differs from the manifest)").format(file=name)
            )
        else:
            check.files += 1


def _member(
    bag: zipfile.ZipFile, root: str, name: str, limit: int, check: ArchiveCheck
) -> zipfile.ZipInfo | None:
    """The bag's file `name` when the zip declares it no larger than `limit`; None (a problem) otherwise."""
    try:
        info = bag.getinfo(f"{root}/{name}")
    except KeyError:
        check.problems.append(_("missing file: {file}").format(file=name))
        return None
    if info.file_size > limit:
        check.problems.append(
            _(
                "{file} is {size} bytes, more than it can be in this archive (at most {limit}); "
                "it was not written by smtool"
            ).format(file=name, size=info.file_size, limit=limit)
        )
        return None
    return info


def _small(bag: zipfile.ZipFile, root: str, name: str, limit: int, check: ArchiveCheck) -> bytes | None:
    """A small tag file whole (see `_member`)."""
    info = _member(bag, root, name, limit, check)
    return None if info is None else bag.read(info)


def _lines(data: IO[bytes] | bytes) -> io.TextIOWrapper:
    """UTF-8 lines of a file or bytes, decoded as they are read; ends of line kept as written."""
    return io.TextIOWrapper(
        io.BytesIO(data) if isinstance(data, bytes) else data, encoding="utf-8", newline=""
    )


def _payload_manifest(
    bag: zipfile.ZipFile, root: str, limit: int, check: ArchiveCheck
) -> dict[str, str] | None:
    """The payload manifest, read as a stream of lines after its declared size was checked."""
    info = _member(bag, root, layout.MANIFEST, limit, check)
    if info is None:
        return None
    with bag.open(info) as raw:
        return _manifest(_lines(raw), layout.MANIFEST, check)


def _manifest(lines: Iterable[str], name: str, check: ArchiveCheck) -> dict[str, str] | None:
    try:
        entries = layout.parse_manifest(lines)
    except UnicodeDecodeError:
        check.problems.append(_("{file} is not UTF-8 text").format(file=name))
        return None
    if entries is None:
        check.problems.append(_("{file} has a line that is not '<sha256>  <path>'").format(file=name))
    return entries


def _check_signature(
    bag: zipfile.ZipFile, root: str, tag_manifest: bytes, key: Ed25519PublicKey, check: ArchiveCheck
) -> None:
    """bag-info.txt's signature of the tag manifest and of its own other lines holds under `key`."""
    info = _small(bag, root, layout.BAG_INFO, _INFO_LIMIT, check)
    if not info:
        return
    unsigned, signatures = layout.split_signature(info)
    ours = fingerprint(public_text(key))
    named = layout.info_field(unsigned, layout.KEY_FIELD)
    if not signatures:
        check.problems.append(
            _(
                "{file} carries no signature ({field}): the archive cannot be shown to come from the "
                "institution (made by an smtool without signing, or the signature removed)"
            ).format(file=layout.BAG_INFO, field=layout.SIGNATURE_FIELD)
        )
    elif len(signatures) > 1:
        check.problems.append(
            _("{file} carries {count} signatures; smtool writes one").format(
                file=layout.BAG_INFO, count=len(signatures)
            )
        )
    elif named is not None and named != ours:
        check.problems.append(
            _(
                "the archive names signing key {named}, not the key it is checked with ({ours}); "
                "check it with the public key of the institution that made it (`smtool keys public` there)"
            ).format(named=named, ours=ours)
        )
    elif not signature_holds(key, layout.signed_message(tag_manifest, unsigned), signatures[0]):
        check.problems.append(
            _(
                "the signature in {info} does not match {manifest} and {info}: "
                "the archive was changed after it was made, or key {ours} did not sign it"
            ).format(info=layout.BAG_INFO, manifest=layout.TAG_MANIFEST, ours=ours)
        )
    else:
        check.signed_by = ours


def _digest(bag: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with bag.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_register(bag: zipfile.ZipFile, root: str, payload: dict[str, str], check: ArchiveCheck) -> None:
    """Each register row names a record file of the bag with the checksum the manifest has.

    Read row by row; a blank line, or more rows than the manifest has files, ends the check: no
    row of a register smtool wrote is blank, and each names a file of its own."""
    with bag.open(f"{root}/{layout.REGISTER}") as raw:
        reader = csv.reader(_lines(raw))
        try:
            if tuple(next(reader, ())) != layout.REGISTER_COLUMNS:
                check.problems.append(
                    _("{file} does not have the register's columns").format(file=layout.REGISTER)
                )
                return
            width = len(layout.REGISTER_COLUMNS)
            for values in reader:
                if len(values) != width:
                    check.problems.append(
                        _("{file} line {line} has {count} columns, not {width}").format(
                            file=layout.REGISTER, line=reader.line_num, count=len(values), width=width
                        )
                    )
                    return
                check.records += 1
                if check.records > len(payload):
                    check.problems.append(
                        _("{file} has more rows than the archive has files").format(file=layout.REGISTER)
                    )
                    return
                row = dict(zip(layout.REGISTER_COLUMNS, values, strict=True))
                if payload.get(row["file"]) != row["sha256"]:
                    check.problems.append(
                        _(
                            "register row {record} names {file}, which the manifest does not hold with "
                            "that checksum"
                        ).format(record=row["record"], file=row["file"])
                    )
        except (UnicodeDecodeError, csv.Error) as error:
            # A damaged register is a failed check like any modified file, not unusable input:
            # the rest of the bag was checked and is reported.
            check.problems.append(
                _("{file} cannot be read as a CSV register ({error})").format(
                    file=layout.REGISTER, error=error
                )
            )
