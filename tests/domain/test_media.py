"""Media rules: the type comes from the bytes, and each platform's published limits."""

from __future__ import annotations

import pytest

from smtool.domain.media import MB, dimensions, is_sha256, refusal, set_refusal, sniff
from tests.support.media import jpeg, mp4, png


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (png(), "image/png"),
        (jpeg(), "image/jpeg"),
        (b"GIF89a\x02\x00\x03\x00", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (mp4(), "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", "video/quicktime"),
    ],
)
def test_the_type_is_read_from_the_bytes(head: bytes, media_type: str) -> None:
    kind = sniff(head)
    assert kind is not None and kind.media_type == media_type


@pytest.mark.parametrize("head", [b"", b"Hello, this is text\n", b"%PDF-1.7", b"PK\x03\x04"])
def test_other_content_has_no_type(head: bytes) -> None:
    assert sniff(head) is None


def test_image_dimensions_come_from_the_header() -> None:
    assert dimensions(png(7, 3)) == (7, 3)
    assert dimensions(jpeg(640, 480)) == (640, 480)
    assert dimensions(b"GIF89a\x02\x00\x03\x00") == (2, 3)
    assert dimensions(mp4()) is None
    assert dimensions(png()[:20]) is None  # cut short: no size, no error


def test_x_limits_by_family_and_facebook_takes_no_video() -> None:
    assert refusal("a.png", "image/png", 5 * MB, "x") is None
    assert "over x's limit of 5.0 MB" in (refusal("a.png", "image/png", 5 * MB + 1, "x") or "")
    assert refusal("a.gif", "image/gif", 15 * MB, "x") is None
    assert refusal("a.mp4", "video/mp4", 512 * MB, "x") is None
    assert "4.0 MB" in (refusal("a.jpg", "image/jpeg", 4 * MB + 1, "facebook") or "")
    assert "video/mp4, which facebook does not take" in (refusal("a.mp4", "video/mp4", 10, "facebook") or "")
    assert refusal("a.mp4", "video/mp4", 10**12, "mastodon") is None  # no published rules here


def test_x_takes_four_images_or_one_gif_or_one_video() -> None:
    assert set_refusal(["image/png"] * 4, "x") is None
    assert "at most 4" in (set_refusal(["image/png"] * 5, "x") or "")
    assert "not a mix" in (set_refusal(["image/png", "video/mp4"], "x") or "")
    assert "at most 1" in (set_refusal(["image/gif", "image/gif"], "x") or "")
    assert set_refusal(["image/png", "image/gif"], "facebook") is None


def test_only_sha256_hex_is_a_store_name() -> None:
    assert is_sha256("a" * 64)
    assert not is_sha256("../" + "a" * 61)
    assert not is_sha256("A" * 64)
    assert not is_sha256("a" * 63)
    assert not is_sha256(None)
