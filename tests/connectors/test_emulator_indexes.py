"""The sandbox's lookups by index (issue 21, item 5): the same answers as the scans they replaced.

The duplicate checks read a keyed index and a Page's feed is paged from the Page's posts kept in time
order; these tests drive them through the real connectors and facebook-sdk, including the cases an
index gets wrong when it goes stale: deletion, a reset, an edited message, a scheduled post.
"""

from __future__ import annotations

from typing import Any

import facebook
import pytest

from connectors.base import DuplicateContent, OutgoingPost
from connectors.emulator import SandboxServer
from connectors.facebook import FacebookConnector
from connectors.http import make_session
from connectors.x import XConnector


def _graph(server: SandboxServer) -> facebook.GraphAPI:
    api = facebook.GraphAPI(server.account("facebook").token, session=make_session(server.base_url, 5)[0])
    api.version = "v21.0"
    return api


class _Scans(dict[str, dict[str, Any]]):
    """A state table that counts the full passes made over it (values() and items())."""

    passes = 0

    def values(self) -> Any:
        self.passes += 1
        return super().values()

    def items(self) -> Any:
        self.passes += 1
        return super().items()


def test_publishing_and_reading_a_feed_do_not_scan_what_is_stored(
    server: SandboxServer, x: XConnector, fb: FacebookConnector
) -> None:
    sb, page = server.sandbox, server.account("facebook")
    for i in range(200):
        sb.x_create(server.account("x").id, f"vecs {i}")
        sb.fb_create_post(page, f"veca {i}")
    sb.state.tweets, sb.state.fb_posts = _Scans(sb.state.tweets), _Scans(sb.state.fb_posts)
    for i in range(20):
        x.publish(OutgoingPost(f"jauns {i}"))
        fb.publish(OutgoingPost(f"jauna {i}"))
        _graph(server).get_connections(page.id, "feed", limit=5)
    # One pass per index (two on each table), built once for the new tables, then kept up to date.
    assert (sb.state.tweets.passes, sb.state.fb_posts.passes) == (2, 2)


def test_x_duplicates_are_found_by_author_and_text_and_forgotten_when_deleted_or_reset(
    server: SandboxServer, x: XConnector
) -> None:
    ref = x.publish(OutgoingPost("Tas pats teksts"))
    with pytest.raises(DuplicateContent):
        x.publish(OutgoingPost("Tas pats teksts"))
    # Another author may say the same; a deleted tweet is no duplicate.
    server.sandbox.inject_post(server.account("x").id, "Cits teksts")
    x.delete(ref)
    again = x.publish(OutgoingPost("Tas pats teksts"))
    server.sandbox.reset()
    assert server.sandbox.x_duplicate_of(server.account("x").id, "Tas pats teksts") is None
    assert x.publish(OutgoingPost("Tas pats teksts")).remote_id != again.remote_id


def test_facebook_duplicates_follow_an_edited_message(server: SandboxServer, fb: FacebookConnector) -> None:
    ref = fb.publish(OutgoingPost("Pirmais teksts"))
    _graph(server).request(f"v21.0/{ref.remote_id}", post_args={"message": "Labotais teksts"}, method="POST")
    # The post now says the edited text: that is the duplicate, the old text no longer is.
    with pytest.raises(DuplicateContent):
        fb.publish(OutgoingPost("Labotais teksts"))
    fb.publish(OutgoingPost("Pirmais teksts"))


def test_the_feed_read_page_by_page_is_the_visible_posts_newest_first(
    server: SandboxServer, fb: FacebookConnector
) -> None:
    sb, page = server.sandbox, server.account("facebook")
    refs = [fb.publish(OutgoingPost(f"ziņa {i}")) for i in range(8)]
    fb.delete(refs[3])
    sb.fb_create_post(page, "vēl nav publicēts", scheduled_t=sb.now() + 3600)
    expected = [p["id"] for p in sb.fb_visible_posts(page.id)]
    assert len(expected) == 7 and refs[3].remote_id not in expected

    api = _graph(server)
    seen: list[str] = []
    answer = api.get_connections(page.id, "feed", limit=3)
    first_page = answer
    while True:
        seen.extend(post["id"] for post in answer["data"])
        if "next" not in answer.get("paging", {}):
            break
        assert "previous" in answer["paging"] or not seen[3:]
        answer = api.get_connections(page.id, "feed", limit=3, after=answer["paging"]["cursors"]["after"])
    assert seen == expected
    # The first page answered from the index is what the whole-list path (since=0) answers.
    windowed = api.get_connections(page.id, "feed", limit=3, since=0)
    assert [p["id"] for p in windowed["data"]] == [p["id"] for p in first_page["data"]]
    assert set(windowed["paging"]) == set(first_page["paging"])
    # A cursor naming a post that is no longer visible gives an empty page, as the whole-list path did.
    cursor = first_page["paging"]["cursors"]["after"]
    fb.delete(next(r for r in refs if r.remote_id == first_page["data"][-1]["id"]))
    assert api.get_connections(page.id, "feed", limit=3, after=cursor)["data"] == []
    with pytest.raises(facebook.GraphAPIError):
        api.get_connections(page.id, "feed", limit=3, after="not-a-cursor!")
