"""Writing an archive: records streamed one at a time into the zip, whole or not at all.

Nothing is held in memory but one batch of records: each record goes into the zip as it is read,
the register and the manifest go to temporary files and join the zip at the end. The zip is written
beside the destination and renamed into place only when complete (services.files).
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, TypedDict, final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smtool import __version__
from smtool.domain.media import MediaEntry
from smtool.domain.text import collapse_spaces
from smtool.errors import UsageError
from smtool.i18n import N_, _, format_day
from smtool.services.citizen_data import record_read, require_whole_reader
from smtool.services.context import Context
from smtool.services.files import PRIVATE_FILE, replacing
from smtool.services.media import read_chunks, stored_path
from smtool.services.records import audit
from smtool.services.records.archive import layout
from smtool.services.records.archive.records import KINDS, Record, audit_events, records
from smtool.services.records.signing import fingerprint, load_signing_key, public_text, sign
from smtool.services.refusals import audits_refusals
from smtool.services.reports.formats import csv_cell
from smtool.services.reports.period import Period

_CHUNK = 1 << 20
# Above this a zip member needs ZIP64 headers, which must be chosen before writing it.
_ZIP64_FROM = (1 << 31) - 1


@final  # closed, so `"archived_as" in m` tells the two kinds apart
class CopiedMedia(TypedDict):
    """A post's media file as its record lists it: where the archive holds it, and its checksum."""

    name: str
    archived_as: str
    sha256: str


@final
class MissingMedia(TypedDict):
    """A media item the archive could not hold: gone from the media store, or a post from before
    the store (its recorded path is never read)."""

    name: str
    missing: bool


ArchivedMedia = CopiedMedia | MissingMedia


@dataclass
class ExportReport:
    path: Path
    root: str
    counts: dict[str, int]
    media_files: int
    missing_media: list[str] = field(default_factory=list)
    payload_bytes: int = 0
    audit_events: int = 0
    signed_by: str = ""
    """Fingerprint of the signing key whose signature bag-info.txt carries."""


@audits_refusals("archive.export")
def export_archive(ctx: Context, start: date, end: date, output: Path, actor: str) -> ExportReport:
    """Write every record of the local days start..end to `output` (a new zip); audit the export
    and, as a read of citizens' data, who made it (services.citizen_data: the operator, or a person
    who may read every item; PermissionDenied for anyone else).

    Raises UsageError for a reversed period, an existing or unwritable output; nothing is left
    behind then or on any other failure.
    """
    if end < start:
        raise UsageError(
            _("--to {last} is before --from {first}; give the period's first and last day").format(
                last=format_day(end), first=format_day(start)
            )
        )
    require_whole_reader(ctx, actor, N_("the archive"))
    # Loaded first: without the key no archive could prove who made it, so none is written.
    key = load_signing_key(ctx.settings)
    signer = fingerprint(public_text(key.public_key()))
    days = Period(start, end, ctx.settings.institution.timezone)
    institution = layout.safe_name(ctx.settings.institution.name)
    root = f"smtool-archive_{institution}_{start.isoformat()}_{end.isoformat()}"
    with (
        # Citizens' words and personal data: readable by the exporting account only.
        replacing(output, mode=PRIVATE_FILE, overwrite=False) as temporary,
        zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as bag,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as register_file,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest_file,
    ):
        writer = _BagWriter(bag, root, manifest_file)
        report = ExportReport(output, root, dict.fromkeys(KINDS, 0), 0, signed_by=signer)
        register = csv.writer(register_file)
        register.writerow(layout.REGISTER_COLUMNS)
        for record in records(ctx, days.start, days.end):
            media = [
                _copy_media(writer, ctx, record, index, entry, report)
                for index, entry in enumerate(record.media)
            ]
            # A post's record file lists its media as archived, not as the paths stored.
            body: Mapping[str, object] = {**record.body, "media": media} if record.media else record.body
            path = layout.record_path(record.kind, record.name)
            digest = writer.add_bytes(path, _json(body))
            register.writerow(_register_row(record, path, digest, media))
            report.counts[record.kind] += 1
        register.writerow(_audit_log(writer, ctx, days, report))
        register_file.seek(0)
        writer.add_stream(layout.REGISTER, _encoded(register_file))
        report.payload_bytes = writer.payload_bytes
        writer.finish(_bag_info(ctx, start, end, report, writer, signer), key)
        tag_digest = writer.tag_manifest_digest
    with ctx.db.write() as session:
        audit.append(
            session,
            actor=actor,
            action="archive.export",
            subject_type="installation",
            subject_id=ctx.settings.institution.name,
            payload={
                "from": start.isoformat(),
                "to": end.isoformat(),
                "records": report.counts,
                "media_files": report.media_files,
                "audit_events": report.audit_events,
                # What the bag's signature covers, and by which key: the log names the bag this
                # installation made, whatever is later done to copies of it.
                "tagmanifest_sha256": tag_digest,
                "signing_key": signer,
            },
        )
    filters = {"from": start.isoformat(), "to": end.isoformat()}
    record_read(ctx, actor, "archive.export", filters, report.counts.get("inbox_item", 0))
    return report


def _json(value: object) -> bytes:
    # ensure_ascii=False keeps citizens' text as written; a NUL becomes \u0000, still exact.
    # Without indent json.dumps encodes in C, about 3x faster per record (31 -> 12 µs measured).
    return (json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _encoded(handle: IO[str]) -> Any:
    while chunk := handle.read(_CHUNK):
        yield chunk.encode("utf-8")


def _audit_log(writer: _BagWriter, ctx: Context, days: Period, report: ExportReport) -> list[str]:
    """The period's audit log as one JSON Lines file, streamed; returns its register row."""

    def lines() -> Any:
        for event in audit_events(ctx, days.start, days.end):
            report.audit_events += 1
            yield (json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")

    digest = writer.add_stream(layout.AUDIT_LOG, lines())
    summary = f"{report.audit_events} audit events, hash-chained"
    return [
        "audit-log",
        "audit_log",
        "",
        days.start.isoformat(),
        "",
        "",
        "",
        "",
        summary,
        "",
        layout.AUDIT_LOG,
        digest,
        "",
    ]


def _register_row(record: Record, path: str, digest: str, media: list[ArchivedMedia]) -> list[str]:
    return [
        record.name,
        record.kind,
        str(record.id),
        record.at.isoformat(),
        record.account,
        record.platform,
        record.remote_id,
        record.person,
        # An archivist opens the register in a spreadsheet; a citizen's text must not run there.
        # The record's own file keeps the exact text.
        str(csv_cell(record.summary)),
        record.related,
        path,
        digest,
        ";".join(m["archived_as"] if "archived_as" in m else f"missing:{m['name']}" for m in media),
    ]


def _copy_media(
    writer: _BagWriter,
    ctx: Context,
    record: Record,
    index: int,
    entry: MediaEntry | str,
    report: ExportReport,
) -> ArchivedMedia:
    """Copy one media item from the media store, by its hash; never a path a post recorded.

    Raises MediaUnavailable when the store's file no longer hashes to the recorded SHA-256: an
    archive is a public record, so it is not written with bytes that are not the published ones.
    """
    if isinstance(entry, str):
        # A post from before the media store: its path is not read (it may name any file).
        report.missing_media.append(entry)
        return {"name": entry, "missing": True}
    target = f"data/media/{record.name}/{index + 1}-{layout.safe_name(entry['name'])}"
    try:
        stored_path(ctx.settings, entry["sha256"]).stat()
    except OSError:
        report.missing_media.append(entry["name"])
        return {"name": entry["name"], "missing": True}
    digest = writer.add_stream(target, read_chunks(ctx.settings, entry), large=entry["size"] > _ZIP64_FROM)
    report.media_files += 1
    return {"name": entry["name"], "archived_as": target, "sha256": digest}


def _bag_info(
    ctx: Context, start: date, end: date, report: ExportReport, writer: _BagWriter, signer: str
) -> str:
    counts = ", ".join(f"{kind} {n}" for kind, n in report.counts.items())
    lines = [
        f"Source-Organization: {ctx.settings.institution.name}",
        f"Bagging-Date: {ctx.clock().date().isoformat()}",
        f"Bag-Software-Agent: smtool {__version__}",
        f"External-Description: Social media records of {ctx.settings.institution.name}, "
        f"{start.isoformat()} to {end.isoformat()} ({ctx.settings.institution.timezone})",
        f"Payload-Oxum: {writer.payload_bytes}.{writer.payload_files}",
        f"Smtool-Period: {start.isoformat()}/{end.isoformat()}",
        f"Smtool-Records: {counts}",
        f"Smtool-Media-Files: {report.media_files}",
        f"Smtool-Audit-Events: {report.audit_events}",
        f"{layout.KEY_FIELD}: {signer}",
    ]
    return "".join(collapse_spaces(line) + "\n" for line in lines)


class _BagWriter:
    """Adds files to the zip under the bag's folder and keeps the manifests."""

    def __init__(self, bag: zipfile.ZipFile, root: str, manifest: IO[str]) -> None:
        self.bag = bag
        self.root = root
        self.manifest = manifest
        self.payload_bytes = 0
        self.payload_files = 0
        self.tag_manifest_digest = ""

    def add_bytes(self, path: str, data: bytes) -> str:
        return self.add_stream(path, iter((data,)))

    def add_stream(self, path: str, chunks: Any, *, large: bool = False) -> str:
        """Write a payload file; returns its SHA-256 (also written to the manifest)."""
        digest, size = self._write(path, chunks, large)
        self.manifest.write(layout.manifest_line(digest, path))
        self.payload_bytes += size
        self.payload_files += 1
        return digest

    def finish(self, bag_info: str, key: Ed25519PrivateKey) -> None:
        """The tag files: bagit.txt, the payload manifest, the tag manifest and bag-info.txt with
        the signature of the tag manifest and of bag-info.txt's other lines (layout.signed_message)."""
        self.manifest.seek(0)
        tags = [
            (layout.BAGIT, self._write(layout.BAGIT, iter((layout.BAGIT_TEXT.encode(),)), False)[0]),
            (layout.MANIFEST, self._write(layout.MANIFEST, _encoded(self.manifest), False)[0]),
        ]
        text = "".join(layout.manifest_line(digest, path) for path, digest in tags).encode("utf-8")
        self.tag_manifest_digest = hashlib.sha256(text).hexdigest()
        self._write(layout.TAG_MANIFEST, iter((text,)), False)
        unsigned = bag_info.encode("utf-8")
        signed = unsigned + layout.signature_line(sign(key, layout.signed_message(text, unsigned))).encode()
        self._write(layout.BAG_INFO, iter((signed,)), False)

    def _write(self, path: str, chunks: Any, large: bool) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        with self.bag.open(f"{self.root}/{path}", "w", force_zip64=large) as member:
            for chunk in chunks:
                digest.update(chunk)
                member.write(chunk)
                size += len(chunk)
        return digest.hexdigest(), size
