"""The Facebook connector through the real facebook-sdk GraphAPI against the sandbox."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Credentials, DuplicateContent, MediaFile, OutgoingPost, PublishedRef, Rejected
from connectors.emulator import SandboxServer
from connectors.facebook import FacebookConnector


def test_verify_credentials_names_the_page(fb: FacebookConnector, server: SandboxServer) -> None:
    page = server.account("facebook")
    assert fb.verify_credentials() == Credentials(page.id, page.handle, page.name)


def test_publish_status_and_link_posts(fb: FacebookConnector, control) -> None:
    ref = fb.publish(OutgoingPost("Labdien!", link="https://www.mk.gov.lv"))
    assert ref.platform == "facebook" and ref.account_id == "vk-fb"
    published = control("GET", "published", platform="facebook")
    assert [(p["id"], p["text"]) for p in published] == [(ref.remote_id, "Labdien!")]


def test_publish_one_photo_and_several_photos(fb: FacebookConnector, server: SandboxServer) -> None:
    image = MediaFile("foto.jpg", b"\xff\xd8\xff fake jpeg", "image/jpeg")
    one = fb.publish(OutgoingPost("Viens attēls", media=(image,)))
    many = fb.publish(OutgoingPost("Trīs attēli", media=(image, image, image)))
    assert len(server.state.fb_posts[one.remote_id]["photo_ids"]) == 1
    assert len(server.state.fb_posts[many.remote_id]["photo_ids"]) == 3
    assert server.state.fb_posts[many.remote_id]["message"] == "Trīs attēli"
    # The bytes given are the bytes the Page received.
    (photo_id,) = server.state.fb_posts[one.remote_id]["photo_ids"]
    assert server.state.fb_photos[photo_id]["sha256"] == hashlib.sha256(image.content).hexdigest()


def test_duplicate_status_is_duplicate_content(fb: FacebookConnector) -> None:
    fb.publish(OutgoingPost("Atkārtots teksts"))
    with pytest.raises(DuplicateContent) as caught:
        fb.publish(OutgoingPost("Atkārtots teksts"))
    assert "Duplicate" in caught.value.platform_message


def test_delete_post_and_again(fb: FacebookConnector, control) -> None:
    ref = fb.publish(OutgoingPost("Dzēšamais"))
    fb.delete(ref)
    fb.delete(ref)
    assert control("GET", "published", platform="facebook")[0]["deleted"] is True


def test_comments_page_through_and_the_cursor_never_repeats_or_misses(fb: FacebookConnector, control) -> None:
    first = fb.publish(OutgoingPost("Pirmais"))
    second = fb.publish(OutgoingPost("Otrais"))
    ids = [
        control("POST", "comments", {"post_id": first.remote_id, "text": f"k {i}"})["id"] for i in range(150)
    ]
    ids.append(control("POST", "comments", {"post_id": second.remote_id, "text": "otrajam"})["id"])
    calls = fb.api_calls
    items, cursor = fb.fetch_incoming(None)
    # posts (1 page) + both posts' first 100 comments (1 batch) + the first post's other 50 (1)
    assert fb.api_calls - calls == 3
    assert sorted(i.remote_id for i in items) == sorted(ids)
    assert {i.kind for i in items} == {"comment"}
    assert items[0].thread_remote_id in (first.remote_id, second.remote_id)

    assert fb.fetch_incoming(cursor) == ([], cursor)
    reply = control("POST", "comments", {"post_id": ids[0], "text": "atbilde komentāram"})["id"]
    late = control("POST", "comments", {"post_id": second.remote_id, "text": "vēlāk"})["id"]
    more, cursor2 = fb.fetch_incoming(cursor)
    assert sorted(i.remote_id for i in more) == sorted([reply, late])
    nested = next(i for i in more if i.remote_id == reply)
    assert nested.kind == "reply" and nested.parent_remote_id == ids[0]
    assert fb.fetch_incoming(cursor2)[0] == []


def test_our_own_replies_are_not_incoming(fb: FacebookConnector, control) -> None:
    post = fb.publish(OutgoingPost("Jautājiet!"))
    control("POST", "comments", {"post_id": post.remote_id, "text": "Kad?", "author": "Anna Kalniņa"})
    (item,), cursor = fb.fetch_incoming(None)
    assert item.author_name == "Anna Kalniņa" and item.author_id
    answer = fb.reply(item, "Rīt.")
    published = {p["id"]: p for p in control("GET", "published", platform="facebook")}
    assert published[answer.remote_id]["in_reply_to"] == item.remote_id
    assert fb.fetch_incoming(cursor)[0] == []


def test_reply_to_a_reply_stays_in_the_thread(fb: FacebookConnector, control, server: SandboxServer) -> None:
    post = fb.publish(OutgoingPost("Diskusija"))
    top = control("POST", "comments", {"post_id": post.remote_id, "text": "Viedoklis"})["id"]
    control("POST", "comments", {"post_id": top, "text": "Pretviedoklis"})
    items, _ = fb.fetch_incoming(None)
    nested = next(i for i in items if i.kind == "reply")
    answer = fb.reply(nested, "Paldies abiem.")
    assert server.state.fb_comments[answer.remote_id]["parent_id"] == top


def test_hide_and_unhide_a_comment(fb: FacebookConnector, control, server: SandboxServer) -> None:
    post = fb.publish(OutgoingPost("Ziņa"))
    control("POST", "comments", {"post_id": post.remote_id, "text": "Mans personas kods ir 010190-10000"})
    (item,), _ = fb.fetch_incoming(None)
    fb.hide(item)
    assert server.state.fb_comments[item.remote_id]["is_hidden"] is True
    fb.unhide(item)
    assert server.state.fb_comments[item.remote_id]["is_hidden"] is False


def test_simulated_citizens_comment_on_page_posts(fb: FacebookConnector, control) -> None:
    fb.publish(OutgoingPost("Aicinām uz pasākumu"))
    created = control("POST", "simulate", {"count": 30, "platform": "facebook"})["items"]
    items, _ = fb.fetch_incoming(None)
    assert {i.remote_id for i in items} == {c["id"] for c in created}
    assert {c["category"] for c in created} >= {"question", "complaint"}


def test_metrics_use_current_insights_and_grow(fb: FacebookConnector, control) -> None:
    refs = [fb.publish(OutgoingPost(f"Ziņa {i}")) for i in range(3)]
    control("POST", "comments", {"post_id": refs[0].remote_id, "text": "Labi!"})
    fb.delete(refs[2])
    first = {m.remote_id: m for m in fb.fetch_metrics(refs)}
    assert set(first) == {refs[0].remote_id, refs[1].remote_id}
    assert first[refs[0].remote_id].replies == 1
    control("POST", "clock", {"advance_seconds": 12 * 3600})
    later = {m.remote_id: m for m in fb.fetch_metrics(refs[:1])}
    before, after = first[refs[0].remote_id], later[refs[0].remote_id]
    assert after.impressions is not None and before.impressions is not None
    assert after.impressions > before.impressions
    assert after.likes is not None and after.clicks is not None and after.shares is not None
    assert after.quotes is None and after.bookmarks is None


def test_recent_own_posts_include_posts_made_outside_smtool(
    fb: FacebookConnector, control, server: SandboxServer
) -> None:
    ours = fb.publish(OutgoingPost("No smtool"))
    outside = control("POST", "posts", {"account": server.account("facebook").id, "text": "Uzlauzts konts?"})
    posts = fb.recent_own_posts(datetime.now(UTC) - timedelta(minutes=5))
    assert {p.remote_id for p in posts} == {outside["id"], ours.remote_id}
    assert posts[0].created_at >= posts[1].created_at


def test_deleting_someone_elses_object_is_rejected(fb: FacebookConnector) -> None:
    with pytest.raises(Rejected):
        fb.delete(PublishedRef("facebook", fb.account.remote_id or "", "vk-fb", datetime.now(UTC)))


def test_a_foreign_cursor_is_rejected(fb: FacebookConnector) -> None:
    with pytest.raises(Rejected):
        fb.fetch_incoming("1900000000000000001")
