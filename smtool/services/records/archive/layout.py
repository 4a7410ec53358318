"""The archive's layout: a BagIt bag (RFC 8493), zipped, as national archives take in digital records.

    smtool-archive_<institution>_<from>_<to>/
      bagit.txt                 BagIt version and tag file encoding
      bag-info.txt              who made it, when, which period, how many records, Payload-Oxum, and
                                the institution's Ed25519 signature of the tag manifest and of itself
      manifest-sha256.txt       SHA-256 of every payload file (data/...)
      tagmanifest-sha256.txt    SHA-256 of bagit.txt and the payload manifest
      data/register.csv         one row per record: kind, id, date, account, file, its SHA-256, ...
      data/records/<kind>/<kind>-<id>.json   each record, exact text and raw platform payloads
      data/media/post-<id>/<file>            media files the posts carried
      data/audit-log.jsonl      the period's audit log rows, with their chain hashes

Every file in the bag is named in a manifest, so a changed, missing or added file is found. The
manifests alone prove nothing about who made the bag: whoever edits a record can recompute them. So
bag-info.txt carries the signature, with the institution's signing key (services.records.signing), of
the tag manifest, which names the payload manifest's checksum, which names every file's: a bag edited
anywhere no longer verifies unless its editor holds the institution's private key. The tag manifest
does not list bag-info.txt, which holds its signature; the signature covers bag-info.txt's other lines.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
REGISTER = "data/register.csv"
AUDIT_LOG = "data/audit-log.jsonl"
# bag-info.txt's fields naming the key (its fingerprint, services.records.signing) and the signature.
KEY_FIELD = "Smtool-Signing-Key-Fingerprint"
SIGNATURE_FIELD = "Smtool-Tag-Manifest-Signature"
_SIGNED_FORMAT = "smtool-archive-signature/1"
BAGIT_TEXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
REGISTER_COLUMNS = (
    "record",
    "kind",
    "id",
    "date_utc",
    "account",
    "platform",
    "remote_id",
    "person",
    "summary",
    "related",
    "file",
    "sha256",
    "media",
)
_LINE = re.compile(r"^([0-9a-f]{64}) [ *]?(\S.*)$")


def record_path(kind: str, name: str) -> str:
    return f"data/records/{kind}/{name}.json"


def manifest_line(digest: str, path: str) -> str:
    # BagIt percent-encodes CR, LF and % in manifest paths.
    encoded = path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")
    return f"{digest}  {encoded}\n"


def signed_message(tag_manifest: bytes, unsigned_info: bytes) -> bytes:
    """What bag-info.txt's signature covers: the tag manifest's SHA-256 (through it every file of the
    bag) and that of bag-info.txt without its signature line (who made the bag, when, what period)."""
    return (
        f"{_SIGNED_FORMAT}\n"
        f"{TAG_MANIFEST} {hashlib.sha256(tag_manifest).hexdigest()}\n"
        f"{BAG_INFO} {hashlib.sha256(unsigned_info).hexdigest()}\n"
    ).encode("ascii")


def signature_line(signature: str) -> str:
    return f"{SIGNATURE_FIELD}: {signature}\n"


def split_signature(info: bytes) -> tuple[bytes, list[str]]:
    """bag-info.txt without its signature lines, and the signatures those lines carry."""
    kept: list[bytes] = []
    signatures: list[str] = []
    prefix = f"{SIGNATURE_FIELD}:".encode("ascii")
    for line in info.splitlines(keepends=True):
        if line.startswith(prefix):
            signatures.append(line[len(prefix) :].strip().decode("ascii", "replace"))
        else:
            kept.append(line)
    return b"".join(kept), signatures


def info_field(info: bytes, name: str) -> str | None:
    """The value of a bag-info.txt field (the first line naming it), or None."""
    prefix = f"{name}:".encode("ascii")
    for line in info.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip().decode("utf-8", "replace")
    return None


def parse_manifest(lines: Iterable[str]) -> dict[str, str] | None:
    """path -> digest, or None when a line is not "<sha256>  <path>"; `lines` may be a stream."""
    entries: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            return None
        path = match.group(2).lstrip(" ").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        entries[path] = match.group(1)
    return entries


def safe_name(value: str) -> str:
    """A file or folder name made of letters, digits and - _ . only (diacritics dropped)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.") or "file"
