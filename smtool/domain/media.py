"""Media rules: what a file is (from its bytes, never its name) and what each platform takes.

The limits are the platforms' published ones: X takes images (JPEG, PNG, WEBP) up to 5 MB, an
animated GIF up to 15 MB and a video (MP4, MOV) up to 512 MB, and at most 4 images, or one GIF, or
one video in a post (docs.x.com, "Media types & size restrictions" and the upload best practices).
A Facebook Page photo is a JPEG, PNG or GIF up to 4 MB (the Graph API's Page photos rules); smtool
posts Page photos only (POST /{page}/photos), so a video cannot go to Facebook from here.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

# Pydantic (the tables' JSON column) reads only typing_extensions' TypedDict before Python 3.12.
from typing_extensions import TypedDict

from smtool.domain.words import counted, forms
from smtool.i18n import N_, _, format_decimal, ngettext

MB = 1024 * 1024
# Enough of a file's start to tell its type and, for images, its size in pixels (a JPEG's frame
# header may follow a large EXIF block; beyond this the dimensions are just not shown).
HEAD_BYTES = 256 * 1024
# X's limit for a media item's alt text; the longest any platform smtool posts to takes.
ALT_TEXT_MAX = 1000
SHA256 = re.compile(r"[0-9a-f]{64}")


class MediaEntry(TypedDict):
    """One media item of a post, as the post records it; the bytes are in the media store.

    `name` is the attached file's name, for people to recognise it (never used to find the file);
    `type` the media type sniffed from the bytes; `width`/`height` in pixels when the header says.
    """

    sha256: str
    name: str
    type: str
    size: int
    alt: str | None
    width: int | None
    height: int | None


def is_sha256(value: object) -> bool:
    """True for 64 lower-case hex digits: the only form of a store name that is ever joined to a path."""
    return isinstance(value, str) and SHA256.fullmatch(value) is not None


@dataclass(frozen=True)
class Kind:
    """A sniffed type: its media type and the family the platforms' limits are stated for."""

    media_type: str
    family: str  # image | gif | video


JPEG = Kind("image/jpeg", "image")
PNG = Kind("image/png", "image")
WEBP = Kind("image/webp", "image")
GIF = Kind("image/gif", "gif")
MP4 = Kind("video/mp4", "video")
MOV = Kind("video/quicktime", "video")


def sniff(head: bytes) -> Kind | None:
    """The type the bytes say (magic numbers), or None for any other content."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        # ISO base media: the major brand tells QuickTime from MP4 and its relatives.
        return MOV if head[8:12] == b"qt  " else MP4
    return None


def dimensions(head: bytes) -> tuple[int, int] | None:
    """Width and height in pixels from an image's header, or None (a video, a header not in `head`)."""
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return width, height
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return width, height
        if head.startswith(b"\xff\xd8"):
            return _jpeg_dimensions(head)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp_dimensions(head)
    except struct.error:  # a header cut short
        return None
    return None


# Start-of-frame markers carry the size; C4 (Huffman tables), C8 (reserved) and CC (arithmetic
# coding conditioning) share the range but are not frames.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_dimensions(head: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", head[at + 2 : at + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def _webp_dimensions(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


@dataclass(frozen=True)
class PlatformMedia:
    """What one platform takes: a size limit per family, and how many items of a family in a post."""

    limits: dict[str, int]  # family -> bytes; a family not listed is not taken at all
    types: frozenset[str]  # media types taken
    counts: dict[str, int]  # family -> most items of it in one post
    mixed: bool  # whether families may be mixed in one post


PLATFORM_MEDIA: dict[str, PlatformMedia] = {
    "x": PlatformMedia(
        limits={"image": 5 * MB, "gif": 15 * MB, "video": 512 * MB},
        types=frozenset(
            {JPEG.media_type, PNG.media_type, WEBP.media_type, GIF.media_type, MP4.media_type, MOV.media_type}
        ),
        counts={"image": 4, "gif": 1, "video": 1},
        mixed=False,
    ),
    "facebook": PlatformMedia(
        limits={"image": 4 * MB, "gif": 4 * MB},
        types=frozenset({JPEG.media_type, PNG.media_type, GIF.media_type}),
        counts={"image": 10, "gif": 10},
        mixed=True,
    ),
}


def family_of(media_type: str) -> str:
    """The limits' family of a sniffed media type."""
    if media_type == GIF.media_type:
        return "gif"
    return "video" if media_type.startswith("video/") else "image"


# The families' words in refusals, marked for translation (`family_of` returns the machine word).
_FAMILY_FILES = {"image": N_("image files"), "gif": N_("gif files"), "video": N_("video files")}
_FAMILY_ITEMS = {
    "image": forms("image item", "image items"),
    "gif": forms("gif item", "gif items"),
    "video": forms("video item", "video items"),
}


def size_text(size: int) -> str:
    """Bytes as people read them: "812 bytes", "4.2 MB"."""
    if size < 1024:
        return ngettext("{size} byte", "{size} bytes", size).format(size=size)
    # One decimal in the reader's form ("4,2 MB" in Latvian); the units are the same in both.
    if size < MB:
        return f"{format_decimal(size / 1024, 1)} KB"
    return f"{format_decimal(size / MB, 1)} MB"


def refusal(name: str, media_type: str, size: int, platform: str) -> str | None:
    """Why `platform` does not take one item (naming the file, its type or size and the limit), or None."""
    rules = PLATFORM_MEDIA.get(platform)
    if rules is None:
        return None  # a platform smtool has no published rules for: the platform itself decides
    if media_type not in rules.types:
        taken = ", ".join(sorted(rules.types))
        return _("{name} is {type}, which {platform} does not take from smtool (it takes {taken})").format(
            name=name, type=media_type, platform=platform, taken=taken
        )
    limit = rules.limits[family_of(media_type)]
    if size > limit:
        return _("{name} is {size} ({type}), over {platform}'s limit of {limit} for {files}").format(
            name=name,
            size=size_text(size),
            type=media_type,
            platform=platform,
            limit=size_text(limit),
            files=_(_FAMILY_FILES[family_of(media_type)]),
        )
    return None


def set_refusal(types: Sequence[str], platform: str) -> str | None:
    """Why `platform` does not take these items together in one post, or None."""
    rules = PLATFORM_MEDIA.get(platform)
    if rules is None or not types:
        return None
    families = [family_of(t) for t in types]
    if not rules.mixed and len(set(families)) > 1:
        return _("{platform} takes images, a GIF or a video in one post, not a mix of them").format(
            platform=platform
        )
    for family in dict.fromkeys(families):
        most, given = rules.counts.get(family, 0), families.count(family)
        if given > most:
            allowed = counted(most, *_FAMILY_ITEMS[family])
            return _("{platform} takes at most {allowed} in one post; this post has {given}").format(
                platform=platform, allowed=allowed, given=given
            )
    return None
