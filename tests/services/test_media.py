"""The media store against the sandbox with the real clients, on both databases: what an approver
saw is what is sent, a changed store file is never sent, and only pictures and videos get in."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from sqlmodel import select

from smtool.errors import PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.media import MediaRefused, MediaUnavailable, media_dir, stored_path
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Attachment, Draft, create_post, edit_post
from smtool.services.publishing.posts import content_hash
from smtool.services.publishing.seals import seal_unsealed
from smtool.services.publishing.views import show_post
from smtool.services.records.signing import load_signing_key
from smtool.store.tables import AuditEvent, Post, PublicationSeal
from smtool.worker import run_once
from tests.support.media import jpeg, mp4, png
from tests.support.sandbox import Sandbox

TEXT = "Valsts kanceleja informē par jauno karti."


def _file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _approved(ctx: Context, *media: Attachment, accounts: tuple[str, ...] = ("sandbox-x",)) -> int:
    post_id = create_post(ctx, "anna", Draft(text=TEXT, accounts=accounts, media=media))
    submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", [post_id])
    return post_id


def _received(sandbox: Sandbox) -> list[str]:
    """The digests of the media the sandbox X received, in upload order."""
    return [m["sha256"] for m in sandbox.server.state.media.values()]


def _store_files(ctx: Context) -> list[Path]:
    folder = media_dir(ctx.settings)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_png_and_a_jpeg_are_copied_into_the_store_privately(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    picture, photo = png(4, 3), jpeg(640, 480)
    post_id = create_post(
        sctx,
        "anna",
        Draft(
            text=TEXT,
            accounts=["sandbox-x"],
            media=[
                Attachment(str(_file(tmp_path, "karte.png", picture)), "Latvijas karte"),
                Attachment(str(_file(tmp_path, "foto.jpg", photo))),
            ],
        ),
    )
    media = show_post(sctx, post_id)["media"]
    assert [(m["name"], m["type"], m["size"], m["width"], m["height"], m["alt"]) for m in media] == [
        ("karte.png", "image/png", len(picture), 4, 3, "Latvijas karte"),
        ("foto.jpg", "image/jpeg", len(photo), 640, 480, None),
    ]
    for item, data in zip(media, (picture, photo), strict=True):
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
        path = stored_path(sctx.settings, item["sha256"])
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(media_dir(sctx.settings).stat().st_mode) == 0o700
    with sctx.db.read() as session:
        created = session.exec(select(AuditEvent).where(AuditEvent.action == "post.create")).one()
    assert json.loads(created.payload)["media"] == [m["sha256"] for m in media]


def test_a_file_replaced_after_approval_publishes_the_approved_bytes(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    original = png(2, 2)
    source = _file(tmp_path, "karte.png", original)
    _approved(sctx, Attachment(str(source)))
    source.write_bytes(png(9, 9))  # someone swaps the picture after the approver saw it
    assert run_once(sctx)["published"] == 1
    assert _received(sandbox) == [hashlib.sha256(original).hexdigest()]


def test_a_store_file_changed_after_approval_is_not_sent(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    post_id = _approved(sctx, Attachment(str(_file(tmp_path, "karte.png", png(2, 2)))))
    (item,) = show_post(sctx, post_id)["media"]
    assert item["sha256"] is not None
    stored_path(sctx.settings, item["sha256"]).write_bytes(png(9, 9))
    totals = run_once(sctx)
    assert totals["published"] == 0 and totals["failed"] == 1
    assert sandbox.published("x") == [] and _received(sandbox) == []
    (publication,) = show_post(sctx, post_id)["publications"]
    assert publication["state"] == "failed"
    assert "changed in the media store" in (publication["last_error"] or "")
    with sctx.db.read() as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.action == "publication.failed")).one()
    assert json.loads(failed.payload)["error"] == "MediaNotSent"


def test_a_path_from_before_the_store_is_never_read_or_sent(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    post_id = _approved(sctx)
    with sctx.db.write() as session:  # a row written before migration 0011: an absolute path
        post = session.get(Post, post_id)
        assert post is not None
        post.media = [str(sctx.settings.key_path)]
        session.add(post)
        # Sealed as `db upgrade` seals the rows it finds waiting (services.publishing.seals).
        for seal_row in session.exec(select(PublicationSeal)).all():
            session.delete(seal_row)
        session.flush()
        assert seal_unsealed(session, load_signing_key(sctx.settings))
    (item,) = show_post(sctx, post_id)["media"]
    assert item["in_store"] is False and item["name"] == str(sctx.settings.key_path)
    assert run_once(sctx)["failed"] == 1
    assert sandbox.published("x") == [] and _received(sandbox) == []
    (publication,) = show_post(sctx, post_id)["publications"]
    assert "not in the media store" in (publication["last_error"] or "")
    assert "attach the file again" in (publication["last_error"] or "")


@pytest.mark.parametrize("how", ["itself", "a symlink", "a hard link"])
def test_the_installations_key_file_is_refused_and_the_refusal_audited(
    sctx: Context, sandbox: Sandbox, tmp_path: Path, how: str
) -> None:
    key = sctx.settings.key_path
    name = key
    if how == "a symlink":
        name = tmp_path / "kaķis.png"
        name.symlink_to(key)
    elif how == "a hard link":
        name = tmp_path / "kaķis.png"
        os.link(key, name)
    with pytest.raises(PermissionDenied, match="installation's own files"):
        create_post(sctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"], media=[Attachment(str(name))]))
    with sctx.db.read() as session:
        assert session.exec(select(Post)).all() == []
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
    assert json.loads(refused.payload)["tried"] == "post.create"
    assert _store_files(sctx) == []


def test_a_text_file_named_png_is_refused_and_nothing_is_written(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    good = _file(tmp_path, "karte.png", png())
    fake = _file(tmp_path, "notes.png", b"Parole: ...\n")
    media = [Attachment(str(good)), Attachment(str(fake))]
    with pytest.raises(MediaRefused, match=r"notes\.png is not a JPEG, PNG, GIF, WEBP, MP4 or MOV file"):
        create_post(sctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"], media=media))
    # The good file was not copied either: a refused post leaves nothing in the store.
    assert _store_files(sctx) == []


def test_an_image_over_xs_limit_is_refused_naming_size_and_limit(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    big = _file(tmp_path, "plakāts.png", png(padding=5 * 1024 * 1024))
    with pytest.raises(MediaRefused) as refused:
        create_post(sctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"], media=[Attachment(str(big))]))
    assert "plakāts.png is 5.0 MB (image/png), over x's limit of 5.0 MB" in refused.value.msg
    assert "sandbox-x" in refused.value.msg
    assert refused.value.exit_code == 1
    assert _store_files(sctx) == []


def test_facebook_gets_no_video_and_x_no_fifth_image(sctx: Context, sandbox: Sandbox, tmp_path: Path) -> None:
    video = Attachment(str(_file(tmp_path, "runa.mp4", mp4())))
    with pytest.raises(MediaRefused, match=r"runa\.mp4 is video/mp4, which facebook does not take"):
        create_post(sctx, "anna", Draft(text=TEXT, accounts=["sandbox-fb"], media=[video]))
    images = [Attachment(str(_file(tmp_path, f"{n}.png", png(n + 1)))) for n in range(5)]
    with pytest.raises(MediaRefused, match="at most 4 image"):
        create_post(sctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"], media=images))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: folder / "nav.png", "does not exist"),
        (lambda folder: folder, "not a regular file"),
    ],
)
def test_what_is_not_a_readable_file_is_refused(
    sctx: Context, sandbox: Sandbox, tmp_path: Path, make, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        create_post(
            sctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"], media=[Attachment(str(make(tmp_path)))])
        )


def test_an_edit_keeps_stored_media_and_other_bytes_change_the_hash(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    source = _file(tmp_path, "karte.png", png(2, 2))
    post_id = create_post(
        sctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"], media=[Attachment(str(source))])
    )
    before = show_post(sctx, post_id)
    source.unlink()  # the original is gone: the store still has the bytes
    with sctx.db.read() as session:
        kept = session.get(Post, post_id)
        assert kept is not None
        entries = list(kept.media)
    edit_post(sctx, "anna", post_id, Draft(text=TEXT, accounts=["sandbox-x"], media=entries))
    after = show_post(sctx, post_id)
    assert after["media"] == before["media"] and after["content_hash"] == before["content_hash"]
    other = [{**entries[0], "sha256": hashlib.sha256(b"other").hexdigest()}]  # type: ignore[typeddict-item]
    assert content_hash(TEXT, {}, other, ["sandbox-x"]) != after["content_hash"]
    with pytest.raises(UsageError, match="not one of this post's stored media"):
        edit_post(sctx, "anna", post_id, Draft(text=TEXT, accounts=["sandbox-x"], media=other))


def test_a_store_name_that_is_not_a_hash_never_becomes_a_path(sctx: Context) -> None:
    with pytest.raises(MediaUnavailable, match="not a media store name"):
        stored_path(sctx.settings, "../../smtool.key")
