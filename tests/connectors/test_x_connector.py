"""The X connector through the real tweepy.Client against the sandbox."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import (
    Credentials,
    DuplicateContent,
    IncomingItem,
    MediaFile,
    OutgoingPost,
    Rejected,
)
from connectors.emulator import SandboxServer
from connectors.x import XConnector


def test_verify_credentials_names_the_sandbox_account(x: XConnector, server: SandboxServer) -> None:
    account = server.account("x")
    assert x.verify_credentials() == Credentials(account.id, account.handle, account.name)


def test_publish_reaches_the_platform(x: XConnector, control) -> None:
    ref = x.publish(OutgoingPost("Valsts kanceleja informē", link="https://www.mk.gov.lv"))
    assert ref.platform == "x" and ref.account_id == "vk-x"
    assert ref.created_at.tzinfo is not None
    published = control("GET", "published", platform="x")
    assert [(p["id"], p["text"]) for p in published] == [
        (ref.remote_id, "Valsts kanceleja informē https://www.mk.gov.lv")
    ]


def test_publish_with_images_uploads_their_bytes_first(x: XConnector, server: SandboxServer) -> None:
    image = MediaFile("a.png", b"\x89PNG\r\n\x1a\n fake", "image/png")
    ref = x.publish(OutgoingPost("Ar attēlu", media=(image, image)))
    media_ids = server.state.tweets[ref.remote_id]["media_ids"]
    assert len(media_ids) == 2
    uploaded = server.state.media[media_ids[0]]
    assert uploaded["sha256"] == hashlib.sha256(image.content).hexdigest()
    assert uploaded["category"] == "tweet_image"


def test_a_gif_is_uploaded_as_a_gif(x: XConnector, server: SandboxServer) -> None:
    ref = x.publish(OutgoingPost("Kustīgs", media=(MediaFile("a.gif", b"GIF89a....", "image/gif"),)))
    (media_id,) = server.state.tweets[ref.remote_id]["media_ids"]
    assert server.state.media[media_id]["category"] == "tweet_gif"


def test_more_than_four_images_is_refused_before_sending(x: XConnector) -> None:
    image = MediaFile("a.png", b"x", "image/png")
    calls = x.api_calls
    with pytest.raises(Rejected):
        x.publish(OutgoingPost("Pārāk daudz", media=(image,) * 5))
    assert x.api_calls == calls


def test_duplicate_text_is_duplicate_content(x: XConnector) -> None:
    x.publish(OutgoingPost("Tas pats teksts"))
    with pytest.raises(DuplicateContent) as caught:
        x.publish(OutgoingPost("Tas pats teksts"))
    assert "duplicate content" in caught.value.platform_message


def test_delete_removes_and_is_idempotent(x: XConnector, control) -> None:
    ref = x.publish(OutgoingPost("Drīz dzēsīsim"))
    x.delete(ref)
    x.delete(ref)  # already gone: still fine
    assert control("GET", "published", platform="x")[0]["deleted"] is True


def test_reply_threads_under_the_mention(x: XConnector, control, server: SandboxServer) -> None:
    mention_id = control(
        "POST", "mentions", {"account": server.account("x").id, "text": "Kad būs atbilde?", "author": "janis"}
    )["id"]
    items, _ = x.fetch_incoming(None)
    ref = x.reply(items[0], "Atbildēsim šodien.")
    assert server.state.tweets[ref.remote_id]["in_reply_to_tweet_id"] == mention_id


def test_hide_and_unhide_a_reply_to_our_post(x: XConnector, control, server: SandboxServer) -> None:
    ours = x.publish(OutgoingPost("Paziņojums"))
    control("POST", "comments", {"post_id": ours.remote_id, "text": "Muļķības!", "author": "troll"})
    (item,) = x.fetch_incoming(None)[0]
    assert item.kind == "reply" and item.parent_remote_id == ours.remote_id
    x.hide(item)
    assert server.state.tweets[item.remote_id]["hidden"] is True
    x.unhide(item)
    assert server.state.tweets[item.remote_id]["hidden"] is False


def test_hiding_a_mention_outside_our_conversations_is_rejected(
    x: XConnector, control, server: SandboxServer
) -> None:
    control("POST", "mentions", {"account": server.account("x").id, "text": "Sveiki"})
    (item,) = x.fetch_incoming(None)[0]
    with pytest.raises(Rejected) as caught:
        x.hide(item)
    assert caught.value.platform_code == "403"


def test_mentions_page_through_and_the_cursor_never_repeats_or_misses(
    x: XConnector, control, server: SandboxServer
) -> None:
    account = server.account("x").id
    first_ids = [
        control("POST", "mentions", {"account": account, "text": f"jautājums {i}"})["id"] for i in range(230)
    ]
    calls = x.api_calls
    items, cursor = x.fetch_incoming(None)
    assert x.api_calls - calls == 3  # 100 + 100 + 30
    assert [i.remote_id for i in items] == first_ids  # oldest first, none missing
    assert all(isinstance(i, IncomingItem) and i.kind == "mention" for i in items)
    assert items[0].author_handle.startswith("@") and items[0].author_name
    assert items[0].created_at.tzinfo is not None

    assert x.fetch_incoming(cursor) == ([], cursor)
    later = [control("POST", "mentions", {"account": account, "text": f"vēl {i}"})["id"] for i in range(3)]
    more, cursor2 = x.fetch_incoming(cursor)
    assert [i.remote_id for i in more] == later
    assert x.fetch_incoming(cursor2)[0] == []


def test_simulated_citizens_arrive_as_mentions_and_replies(x: XConnector, control) -> None:
    x.publish(OutgoingPost("Jaunums"))
    created = control("POST", "simulate", {"count": 40, "platform": "x"})["items"]
    items, _ = x.fetch_incoming(None)
    assert {i.remote_id for i in items} == {c["id"] for c in created}
    assert {i.kind for i in items} == {"mention", "reply"}
    assert {c["lang"] for c in created} == {"lv", "en"}


def test_search_recent_finds_keyword_mentions_elsewhere(
    x: XConnector, control, server: SandboxServer
) -> None:
    x.publish(OutgoingPost("Mūsu paziņojums par nodokļiem"))
    control("POST", "mentions", {"account": server.account("x").id, "text": "Kas notiek ar nodokļiem?"})
    control("POST", "mentions", {"account": server.account("x").id, "text": "Laikapstākļi"})
    items, since = x.search_recent("nodokļiem", None)
    assert [i.text for i in items] == [f"{server.account('x').handle} Kas notiek ar nodokļiem?"]
    assert items[0].kind == "mention_elsewhere"
    assert x.search_recent("nodokļiem", since) == ([], since)


def test_metrics_are_batched_by_100_and_grow(x: XConnector, control, server: SandboxServer) -> None:
    from connectors.base import PublishedRef

    account = server.account("x").id
    # Made through the control API: 150 posts through X would exceed its 100 per 15 minutes.
    refs = [
        PublishedRef(
            "x",
            control("POST", "posts", {"account": account, "text": f"Ziņa {i}"})["id"],
            "vk-x",
            datetime.now(UTC),
        )
        for i in range(149)
    ]
    refs.append(x.publish(OutgoingPost("Ziņa 149")))
    x.delete(refs[-1])
    calls = x.api_calls
    first = x.fetch_metrics(refs)
    assert x.api_calls - calls == 2
    assert len(first) == 149  # the deleted one is left out
    control("POST", "clock", {"advance_seconds": 6 * 3600})
    later = {m.remote_id: m for m in x.fetch_metrics(refs[:5])}
    for before in first[:5]:
        after = later[before.remote_id]
        assert after.impressions is not None and before.impressions is not None
        assert after.impressions > before.impressions
        assert after.clicks is not None and after.likes is not None and after.bookmarks is not None


def test_recent_own_posts_include_posts_made_outside_smtool(
    x: XConnector, control, server: SandboxServer
) -> None:
    ours = x.publish(OutgoingPost("No smtool"))
    outside = control("POST", "posts", {"account": server.account("x").id, "text": "Kāds cits raksta!"})
    posts = x.recent_own_posts(datetime.now(UTC) - timedelta(minutes=5))
    assert [p.remote_id for p in posts] == [outside["id"], ours.remote_id]


def test_unknown_remote_id_is_discovered_through_verify_credentials(server: SandboxServer, control) -> None:
    from connectors.base import AccountRef

    account = server.account("x")
    connector = XConnector(AccountRef("vk-x", "x", account.handle, None), account.token, server.base_url)
    control("POST", "mentions", {"account": account.id, "text": "Sveiki"})
    assert len(connector.fetch_incoming(None)[0]) == 1


def test_a_foreign_cursor_is_rejected(x: XConnector) -> None:
    with pytest.raises(Rejected):
        x.fetch_incoming('{"since": 1}')
