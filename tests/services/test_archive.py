"""Archive export and verify against the sandbox: every record of the period, exact and checksummed;
any change to the zip is found; a failed export leaves nothing behind."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import stat
import tracemalloc
import types
import typing
import warnings
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import func, select

from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.media import MediaUnavailable, stored_path
from smtool.services.monitoring import queue
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Attachment, Draft, create_post
from smtool.services.records.archive import (
    ArchiveCheck,
    ArchiveUnreadable,
    export_archive,
    layout,
    verify_archive,
)
from smtool.services.records.archive import export as export_module
from smtool.services.records.archive.export import ArchivedMedia
from smtool.services.records.archive.records import (
    ApprovalBody,
    AuditEventBody,
    InboxItemBody,
    ModerationActionBody,
    PostBody,
)
from smtool.services.records.signing import fingerprint, load_signing_key, public_text
from smtool.store.tables import AuditEvent, InboxItem, Post, Publication
from smtool.worker import run_once
from tests.support.sandbox import Sandbox

# One pixel PNG: the sandbox accepts it as an image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
    "0000050001e226059b0000000049454e44ae426082"
)
TODAY = date.today()
TEXT_WITH_NUL = "Labdien!\x00 Kāpēc „e-pakalpojums” nestrādā?"


@pytest.fixture
def records(sctx: Context, sandbox: Sandbox, tmp_path: Path) -> Context:
    """A published post with an image, citizens' items (one hidden, one with a NUL), actions."""
    image = tmp_path / "karte.png"
    image.write_bytes(PNG)
    post_id = create_post(
        sctx,
        "anna",
        Draft(text="Valsts kanceleja informē.", accounts=["sandbox-x"], media=[Attachment(str(image))]),
    )
    submit_post(sctx, "anna", post_id)
    approve_posts(sctx, "karlis", [post_id])
    assert run_once(sctx)["published"] == 1
    x = sandbox.server.account("x").id
    sandbox.control("POST", "simulate", {"count": 5, "platform": "x"})
    sandbox.control("POST", "mentions", {"account": x, "text": TEXT_WITH_NUL})
    with sctx.db.read() as session:
        tweet = session.exec(select(Publication.remote_id)).one()
    reply = sandbox.control("POST", "comments", {"post_id": tweet, "text": "Pērciet lētus pulksteņus!"})
    Ingestor(sctx).poll_all()
    with sctx.db.read() as session:
        spam = session.exec(select(InboxItem).where(InboxItem.remote_id == reply["id"])).one()
    assert spam.id is not None
    queue.hide(sctx, "liga", spam.id, "spam")
    return sctx


def _export(ctx: Context, path: Path) -> None:
    # The installation's operator: a named person needs a role that reads every item (issue 15, item 7).
    export_archive(ctx, TODAY - timedelta(days=1), TODAY + timedelta(days=1), path, "local:test")


def _verify(ctx: Context, path: Path) -> ArchiveCheck:
    """Check an archive with the installation's public key, as `smtool archive verify` does."""
    return verify_archive(path, load_signing_key(ctx.settings).public_key())


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as bag:
        return {name: bag.read(name) for name in bag.namelist()}


def _rewrite(target: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w") as bag:
        for name, data in members.items():
            bag.writestr(name, data)


def test_export_holds_every_record_exactly_and_verifies(records: Context, tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    _export(records, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # citizens' words: the exporting account's only
    check = _verify(records, path)
    assert check.ok, check.problems
    members = _members(path)
    (root,) = {name.split("/")[0] for name in members}
    assert root.startswith("smtool-archive_Testa-iestade_")
    files = {name.split("/", 1)[1]: data for name, data in members.items()}
    assert files["bagit.txt"].startswith(b"BagIt-Version: 1.0")

    register = list(csv.DictReader(io.StringIO(files["data/register.csv"].decode("utf-8"))))
    kinds = [row["kind"] for row in register]
    with records.db.read() as session:
        stored_items = session.exec(select(func.count()).select_from(InboxItem)).one()
    assert kinds.count("post") == 1 and kinds.count("approval") == 1
    assert kinds.count("inbox_item") == stored_items == 7 and kinds.count("moderation_action") >= 1
    assert check.records == len(register) and all(row["file"] in files for row in register)

    post = json.loads(files[next(r["file"] for r in register if r["kind"] == "post")])
    (publication,) = post["publications"]
    assert publication["state"] == "published" and publication["raw_response"]
    (media,) = post["media"]
    assert files[media["archived_as"]] == PNG

    assert [a["decision"] for a in post["approvals"]] == ["approved"]

    events = [json.loads(line) for line in files["data/audit-log.jsonl"].decode("utf-8").splitlines()]
    assert kinds.count("audit_log") == 1 and "post.approve" in {e["action"] for e in events}
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(events))

    items = [json.loads(files[r["file"]]) for r in register if r["kind"] == "inbox_item"]
    assert any(i["hidden"] and i["hidden_reason"] == "spam" for i in items)
    assert any(i["text"].endswith(TEXT_WITH_NUL) for i in items) and all(i["raw"] for i in items)
    with records.db.read() as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "archive.export")).one()
    assert json.loads(audited.payload)["records"]["post"] == 1


def test_a_modified_missing_or_extra_file_fails_verify(records: Context, tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    _export(records, path)
    members = _members(path)
    record = next(name for name in members if "/data/records/inbox_item/" in name)
    root = record.split("/")[0]

    changed = tmp_path / "changed.zip"
    _rewrite(changed, {**members, record: members[record].replace(b'"state"', b'"State"')})
    assert _verify(records, changed).problems == [
        f"modified file: {record.split('/', 1)[1]} (its SHA-256 differs from the manifest)"
    ]

    missing = tmp_path / "missing.zip"
    _rewrite(missing, {k: v for k, v in members.items() if k != record})
    assert any(
        p.startswith("missing file: data/records/inbox_item/") for p in _verify(records, missing).problems
    )

    twice = tmp_path / "twice.zip"
    _rewrite(twice, members)
    with warnings.catch_warnings(), zipfile.ZipFile(twice, "a") as bag:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the point
        bag.writestr(record, members[record].replace(b'"state"', b'"State"'))
    assert f"file stored twice: {record.split('/', 1)[1]}" in _verify(records, twice).problems

    extra = tmp_path / "extra.zip"
    _rewrite(extra, {**members, f"{root}/data/note.txt": b"added later"})
    assert _verify(records, extra).problems == ["extra file not in the manifests: data/note.txt"]


def _manifest_of(files: dict[str, bytes], names: list[str]) -> bytes:
    return "".join(layout.manifest_line(hashlib.sha256(files[n]).hexdigest(), n) for n in names).encode()


def test_an_archive_edited_with_its_register_and_manifests_recomputed_fails_verify(
    records: Context, tmp_path: Path
) -> None:
    """Issue 20, failure 11: the checksums agreed again after a consistent edit; the signature does not."""
    path = tmp_path / "archive.zip"
    _export(records, path)
    members = _members(path)
    root = next(iter(members)).split("/")[0]
    files = {name.split("/", 1)[1]: data for name, data in members.items()}
    info = files[layout.BAG_INFO].decode()
    with records.db.read() as session:
        exported = json.loads(
            session.exec(select(AuditEvent.payload).where(AuditEvent.action == "archive.export")).one()
        )
    # The audit log names the bag it made: its tag manifest's hash and the key that signed it.
    assert exported["tagmanifest_sha256"] == hashlib.sha256(files[layout.TAG_MANIFEST]).hexdigest()
    signer = fingerprint(public_text(load_signing_key(records.settings).public_key()))
    assert exported["signing_key"] == signer and f"{layout.KEY_FIELD}: {signer}\n" in info
    assert _verify(records, path).signed_by == signer

    # A record, its register row and both manifests edited together, as someone without the key can.
    record = next(name for name in files if name.startswith("data/records/inbox_item/"))
    files[record] = files[record].replace(b'"state"', b'"State"')
    register = files[layout.REGISTER].decode()
    old_row = next(line for line in register.splitlines() if record in line)
    new_row = old_row.replace(old_row.split(",")[-2], hashlib.sha256(files[record]).hexdigest())
    files[layout.REGISTER] = register.replace(old_row, new_row).encode()
    payload = sorted(name for name in files if name.startswith("data/"))
    files[layout.MANIFEST] = _manifest_of(files, payload)
    files[layout.TAG_MANIFEST] = _manifest_of(files, [layout.BAGIT, layout.MANIFEST])
    forged = tmp_path / "forged.zip"
    _rewrite(forged, {f"{root}/{name}": data for name, data in files.items()})
    check = _verify(records, forged)
    assert check.signed_by is None and len(check.problems) == 1
    assert check.problems[0].startswith("the signature in bag-info.txt does not match tagmanifest-sha256.txt")

    # bag-info.txt edited (another period, say): its own lines are signed too.
    edited = tmp_path / "edited.zip"
    _rewrite(
        edited,
        {
            **members,
            f"{root}/{layout.BAG_INFO}": info.replace("Smtool-Period: ", "Smtool-Period: 1").encode(),
        },
    )
    assert _verify(records, edited).problems[0].startswith("the signature in bag-info.txt does not match")

    # The signature removed; or the archive checked with another institution's key.
    unsigned = tmp_path / "unsigned.zip"
    without = "".join(
        line for line in info.splitlines(keepends=True) if not line.startswith(layout.SIGNATURE_FIELD)
    )
    _rewrite(unsigned, {**members, f"{root}/{layout.BAG_INFO}": without.encode()})
    assert "carries no signature" in _verify(records, unsigned).problems[0]
    other = Ed25519PrivateKey.generate().public_key()
    refused = verify_archive(path, other)
    assert refused.signed_by is None
    assert refused.problems == [
        f"the archive names signing key {signer}, not the key it is checked with "
        f"({fingerprint(public_text(other))}); check it with the public key of the institution that made it "
        "(`smtool keys public` there)"
    ]


def test_a_manifest_of_hundreds_of_megabytes_is_refused_unread(tmp_path: Path) -> None:
    """Issue 20, failure 11: a 600 MB manifest of newlines took 38 s and 5.6 GB; its declared size is
    more than a manifest of the zip's few files can be, so it is refused before it is inflated."""
    key = Ed25519PrivateKey.generate()
    root = "smtool-archive_X_2026-01-01_2026-01-31"
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as bag:
        bag.writestr(f"{root}/{layout.BAGIT}", layout.BAGIT_TEXT)
        bag.writestr(f"{root}/data/register.csv", ",".join(layout.REGISTER_COLUMNS) + "\n")
        with bag.open(f"{root}/{layout.MANIFEST}", "w", force_zip64=True) as member:
            block = b"\n" * (1 << 20)
            for _ in range(300):
                member.write(block)
        bag.writestr(f"{root}/{layout.TAG_MANIFEST}", "")
        bag.writestr(f"{root}/{layout.BAG_INFO}", "")
    assert bomb.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        check = verify_archive(bomb, key.public_key())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert any(
        p.startswith(f"{layout.MANIFEST} is {300 << 20} bytes, more than it can be in this archive")
        for p in check.problems
    ), check.problems
    assert peak < 5_000_000


def test_a_register_of_blank_lines_ends_the_check_at_the_first(tmp_path: Path) -> None:
    """The register is read row by row and a blank line ends its check: millions of them are not walked."""
    key = Ed25519PrivateKey.generate()
    root = "smtool-archive_X_2026-01-01_2026-01-31"
    register = (",".join(layout.REGISTER_COLUMNS) + "\n" + "\n" * 5_000_000).encode()
    files = {layout.BAGIT: layout.BAGIT_TEXT.encode(), layout.REGISTER: register}
    files[layout.MANIFEST] = _manifest_of(files, [layout.REGISTER])
    files[layout.TAG_MANIFEST] = _manifest_of(files, [layout.BAGIT, layout.MANIFEST])
    path = tmp_path / "blank.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bag:
        for name, data in files.items():
            bag.writestr(f"{root}/{name}", data)
    problems = verify_archive(path, key.public_key()).problems
    assert f"{layout.REGISTER} line 2 has 0 columns, not {len(layout.REGISTER_COLUMNS)}" in problems


def test_a_truncated_or_corrupt_zip_is_unreadable(records: Context, tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    _export(records, path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveUnreadable, match="truncated or damaged"):
        _verify(records, truncated)
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ArchiveUnreadable):
        _verify(records, garbage)
    # Flipped bytes inside compressed data: the zip's own CRC or inflate fails.
    with zipfile.ZipFile(path) as bag:
        info = max(bag.infolist(), key=lambda i: i.compress_size)
    corrupt = bytearray(data)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 5, start + 15):
        corrupt[offset] ^= 0xFF
    (tmp_path / "corrupt.zip").write_bytes(bytes(corrupt))
    with pytest.raises(ArchiveUnreadable):
        _verify(records, tmp_path / "corrupt.zip")
    # Password-protected entries (flag bit 0 set in the central directory): zipfile cannot read them.
    locked = bytearray(data)
    at = locked.find(b"PK\x01\x02")
    while at != -1:
        locked[at + 8] |= 0x01
        at = locked.find(b"PK\x01\x02", at + 4)
    (tmp_path / "locked.zip").write_bytes(bytes(locked))
    with pytest.raises(ArchiveUnreadable, match="password-protected"):
        _verify(records, tmp_path / "locked.zip")


def test_media_come_from_the_store_by_hash_never_from_a_recorded_path(
    records: Context, tmp_path: Path
) -> None:
    (tmp_path / "karte.png").write_bytes(b"replaced after publishing")
    with records.db.write() as session:
        post = session.exec(select(Post)).one()
        # A row from before the media store names a path: it is listed as missing, never read.
        post.media = [*post.media, str(records.settings.key_path)]
        session.add(post)
    path = tmp_path / "archive.zip"
    _export(records, path)
    files = {name.split("/", 1)[1]: data for name, data in _members(path).items()}
    post_file = next(name for name in files if name.startswith("data/records/post"))
    stored, legacy = json.loads(files[post_file])["media"]
    assert files[stored["archived_as"]] == PNG
    assert legacy == {"name": str(records.settings.key_path), "missing": True}
    key = records.settings.key_path.read_bytes()
    assert not any(key in data for data in files.values())


def test_a_store_file_changed_since_publishing_stops_the_export(records: Context, tmp_path: Path) -> None:
    with records.db.read() as session:
        (entry,) = session.exec(select(Post)).one().media
    assert not isinstance(entry, str)
    stored_path(records.settings, entry["sha256"]).write_bytes(b"not the published picture")
    with pytest.raises(MediaUnavailable, match="changed in the media store"):
        _export(records, tmp_path / "archive.zip")
    assert not (tmp_path / "archive.zip").exists()


def test_a_failed_export_leaves_nothing(
    records: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real = export_module.records

    def failing(*args: object) -> object:
        yield from list(real(*args))[:3]  # type: ignore[arg-type]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(export_module, "records", failing)
    with pytest.raises(RuntimeError):
        _export(records, out / "archive.zip")
    assert list(out.iterdir()) == []

    (out / "archive.zip").write_bytes(b"an earlier archive")
    with pytest.raises(UsageError, match="already exists"):
        _export(records, out / "archive.zip")
    assert (out / "archive.zip").read_bytes() == b"an earlier archive"
    with pytest.raises(UsageError, match="before"):
        export_archive(records, TODAY, TODAY - timedelta(days=1), out / "b.zip", "local:test")


def test_the_register_never_runs_a_citizens_text_as_a_formula(
    records: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example","Skatīt")'
    sandbox.control("POST", "mentions", {"account": sandbox.server.account("x").id, "text": formula})
    Ingestor(records).poll_all()
    path = tmp_path / "archive.zip"
    _export(records, path)
    files = {name.split("/", 1)[1]: data for name, data in _members(path).items()}
    register = list(csv.DictReader(io.StringIO(files["data/register.csv"].decode("utf-8"))))
    (row,) = [r for r in register if "HYPERLINK" in r["summary"]]
    assert not row["summary"].startswith(("=", "+", "-", "@")) and row["summary"].startswith("'")
    assert formula in json.loads(files[row["file"]])["text"]  # the record itself stays exact
    assert _verify(records, path).ok


def test_a_register_that_is_not_text_fails_verify_with_the_rest_checked(
    records: Context, tmp_path: Path
) -> None:
    path = tmp_path / "archive.zip"
    _export(records, path)
    members = _members(path)
    register = next(name for name in members if name.endswith("/data/register.csv"))
    root = register.split("/")[0]
    for label, data in {
        "binary": members[register] + b"\xff\xfe not UTF-8\n",
        "huge": members[register] + b'"' + b"x" * 200_000 + b'"\n',  # over csv's field limit
    }.items():
        damaged = tmp_path / f"{label}.zip"
        _rewrite(damaged, {**members, register: data, f"{root}/data/note.txt": b"added"})
        problems = _verify(records, damaged).problems
        assert "modified file: data/register.csv (its SHA-256 differs from the manifest)" in problems
        assert "extra file not in the manifests: data/note.txt" in problems
        assert any(p.startswith("data/register.csv cannot be read as a CSV register") for p in problems)


def _conforms(value: object, hint: object) -> bool:
    """Whether JSON `value` has the type `hint` declares (TypedDicts by their exact keys)."""
    if hint is typing.Any:
        return True
    if typing.is_typeddict(hint):
        fields = typing.get_type_hints(hint)
        required = hint.__required_keys__  # type: ignore[attr-defined]
        return (
            isinstance(value, dict)
            and required <= value.keys() <= fields.keys()
            and all(_conforms(v, fields[k]) for k, v in value.items())
        )
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType:
        return any(_conforms(value, arg) for arg in args)
    if origin is list:
        return isinstance(value, list) and all(_conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_conforms(v, args[1]) for v in value.values())
    if hint is None:
        return value is None
    return isinstance(value, hint) and not (hint is int and isinstance(value, bool))  # type: ignore[arg-type]


def test_every_record_file_has_exactly_the_fields_its_type_declares(records: Context, tmp_path: Path) -> None:
    # The body types are the record files' format: a column added to a table reaches the archive
    # only with its type (and a field the type promises is never missing).
    path = tmp_path / "archive.zip"
    _export(records, path)
    files = {name.split("/", 1)[1]: data for name, data in _members(path).items()}
    register = list(csv.DictReader(io.StringIO(files["data/register.csv"].decode("utf-8"))))
    shapes = {
        "post": PostBody,
        "approval": ApprovalBody,
        "inbox_item": InboxItemBody,
        "moderation_action": ModerationActionBody,
    }
    for row in register:
        if row["kind"] == "audit_log":
            continue
        body = json.loads(files[row["file"]])
        if row["kind"] == "post":
            # The record file lists the post's media as archived, not as the stored paths.
            assert all(_conforms(m, ArchivedMedia) for m in body["media"]) and body["media"]
            body["media"] = []
        assert _conforms(body, shapes[row["kind"]]), (row["kind"], sorted(body))
    events = [json.loads(line) for line in files["data/audit-log.jsonl"].decode("utf-8").splitlines()]
    assert events and all(_conforms(e, AuditEventBody) for e in events)
    assert not _conforms({**events[0], "added_later": 1}, AuditEventBody)
