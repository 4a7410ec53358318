"""The archive's layout: a BagIt bag (RFC 8493), zipped, as national archives take in digital records.

    smtool-archive_<institution>_<from>_<to>/
      bagit.txt                 BagIt version and tag file encoding
      bag-info.txt              who made it, when, which period, how many records, Payload-Oxum
      manifest-sha256.txt       SHA-256 of every payload file (data/...)
      tagmanifest-sha256.txt    SHA-256 of the three tag files above
      data/register.csv         one row per record: kind, id, date, account, file, its SHA-256, ...
      data/records/<kind>/<kind>-<id>.json   each record, exact text and raw platform payloads
      data/media/post-<id>/<file>            media files the posts carried
      data/audit-log.jsonl      the period's audit log rows, with their chain hashes

Every file in the bag is named in a manifest, so a changed, missing or added file is found.
"""

from __future__ import annotations

import re

BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
REGISTER = "data/register.csv"
AUDIT_LOG = "data/audit-log.jsonl"
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


def parse_manifest(text: str) -> dict[str, str] | None:
    """path -> digest, or None when a line is not "<sha256>  <path>"."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
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
