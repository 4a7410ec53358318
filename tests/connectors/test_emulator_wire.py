"""The sandbox as someone who never read smtool would use it: plain tweepy, facebook-sdk, requests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import facebook
import pytest
import requests
import tweepy

from connectors.emulator import SandboxServer, load_state, new_sandbox_state, write_state
from connectors.emulator.citizens import grown_metrics
from connectors.http import make_session
from connectors.x import XConnector
from tests.connectors import conftest
from tests.connectors.openapi import operation_for, spec, validate_x_exchange


def tweepy_client(server: SandboxServer) -> tweepy.Client:
    client = tweepy.Client(bearer_token=server.account("x").token)
    client.session = make_session(server.base_url, 5)[0]
    return client


def graph(server: SandboxServer) -> facebook.GraphAPI:
    api = facebook.GraphAPI(server.account("facebook").token, session=make_session(server.base_url, 5)[0])
    api.version = "v21.0"
    return api


def test_plain_tweepy_round_trip(server: SandboxServer, control) -> None:
    client = tweepy_client(server)
    me = client.get_me(user_auth=False).data
    created = client.create_tweet(text="Sveiki no tweepy", user_auth=False)
    assert created.data["edit_history_tweet_ids"] == [created.data["id"]]
    for i in range(12):
        control(
            "POST",
            "mentions",
            {"account": me.id and str(me.id), "text": f"sveiki {i}", "author": f"pilsonis{i}"},
        )
    page = client.get_users_mentions(
        me.id, max_results=5, expansions="author_id", tweet_fields="created_at,author_id"
    )
    assert len(page.data) == 5 and page.meta["result_count"] == 5 and "next_token" in page.meta
    assert {u.username for u in page.includes["users"]} <= {f"pilsonis{i}" for i in range(12)}
    everything = [t for t in tweepy.Paginator(client.get_users_mentions, me.id, max_results=5).flatten()]
    assert len(everything) == 12
    newer = client.get_users_mentions(me.id, since_id=page.meta["newest_id"])
    assert newer.meta == {"result_count": 0} and newer.data is None
    looked_up = client.get_tweets([created.data["id"]], tweet_fields=["public_metrics"])
    assert set(looked_up.data[0].public_metrics) >= {
        "retweet_count",
        "reply_count",
        "like_count",
        "quote_count",
        "bookmark_count",
        "impression_count",
    }
    assert client.delete_tweet(created.data["id"], user_auth=False).data == {"deleted": True}
    with pytest.raises(tweepy.BadRequest):
        client.get_users_mentions(me.id, max_results=500)


def test_x_rate_limit_headers_on_every_answer(server: SandboxServer) -> None:
    client = tweepy.Client(bearer_token=server.account("x").token, return_type=requests.Response)
    client.session = make_session(server.base_url, 5)[0]
    response = client.create_tweet(text="Galvenes", user_auth=False)
    assert response.status_code == 201
    assert response.headers["x-rate-limit-limit"] == "100"
    assert response.headers["x-rate-limit-remaining"] == "99"
    assert int(response.headers["x-rate-limit-reset"]) > 0
    assert response.headers["x-user-limit-24hour-remaining"] == "9999"
    assert response.headers["content-type"].startswith("application/json")


def test_x_errors_are_problem_json(server: SandboxServer) -> None:
    client = tweepy.Client(bearer_token="wrong")
    client.session = make_session(server.base_url, 5)[0]
    with pytest.raises(tweepy.Unauthorized) as caught:
        client.get_me(user_auth=False)
    assert caught.value.response.headers["content-type"] == "application/problem+json"
    good = tweepy_client(server)
    good.create_tweet(text="Viens", user_auth=False)
    with pytest.raises(tweepy.Forbidden) as duplicate:
        good.create_tweet(text="Viens", user_auth=False)
    assert duplicate.value.api_messages == ["You are not allowed to create a Tweet with duplicate content."]


def test_plain_facebook_sdk_round_trip(server: SandboxServer, control) -> None:
    api = graph(server)
    page = server.account("facebook")
    assert api.get_object("me") == {"name": page.name, "id": page.id}
    accounts = api.get_connections("me", "accounts")["data"]
    assert accounts[0]["access_token"] == page.token
    post = api.put_object(page.id, "feed", message="Sveiki no facebook-sdk")
    for i in range(7):
        control("POST", "comments", {"post_id": post["id"], "text": f"komentārs {i}"})
    # get_all_connections follows paging.next, which must carry the access token.
    comments = list(api.get_all_connections(post["id"], "comments", limit=3))
    assert [c["message"] for c in comments] == [f"komentārs {i}" for i in range(7)]
    reply = api.put_comment(comments[0]["id"], "Paldies!")
    assert api.request(f"v21.0/{comments[1]['id']}", post_args={"is_hidden": "true"}) == {"success": True}
    assert api.delete_object(reply["id"]) == {"success": True}
    insights = api.get_connections(
        post["id"], "insights", metric="post_media_view,post_clicks,post_reactions_by_type_total"
    )
    assert [m["name"] for m in insights["data"]] == [
        "post_media_view",
        "post_clicks",
        "post_reactions_by_type_total",
    ]
    with pytest.raises(facebook.GraphAPIError) as deprecated:
        api.get_connections(post["id"], "insights", metric="post_impressions")
    assert deprecated.value.code == 100
    feed = api.get_connections(page.id, "feed")
    assert feed["data"][0]["id"] == post["id"] and "created_time" in feed["data"][0]


def test_graph_nodes_carry_their_id_whatever_fields_name(server: SandboxServer, control) -> None:
    api = graph(server)
    page = server.account("facebook")
    post = api.put_object(page.id, "feed", message="Sveiki")
    comment = control("POST", "comments", {"post_id": post["id"], "text": "Jautājums"})["id"]
    control("POST", "comments", {"post_id": comment, "text": "Atbilde"})
    listed = api.get_connections(post["id"], "comments", fields="message,from")["data"]
    assert [c["id"] for c in listed] == [comment]
    assert api.get_object(comment, fields="message") == {"message": "Jautājums", "id": comment}
    nested = api.get_object(post["id"], fields="message,comments{message,comments{message}}")
    assert nested["id"] == post["id"]
    top = nested["comments"]["data"][0]
    assert top["id"] == comment and "id" in top["comments"]["data"][0]
    assert api.get_object(page.id, fields="name")["id"] == page.id


def test_tweepy_get_tweet_answers_as_x_does(server: SandboxServer) -> None:
    client = tweepy_client(server)
    created = client.create_tweet(text="Viens ieraksts", user_auth=False).data["id"]
    found = client.get_tweet(created, tweet_fields=["public_metrics", "author_id"], expansions=["author_id"])
    assert found.data.id == int(created) and found.data.text == "Viens ieraksts"
    assert found.data.author_id == int(server.account("x").id)
    assert "impression_count" in found.data.public_metrics
    assert found.includes["users"][0].username == "SandboxIestade"
    client.delete_tweet(created, user_auth=False)
    gone = client.get_tweet(created)  # X: 200 with only errors, not an HTTP 404
    assert gone.data is None
    assert gone.errors[0]["detail"] == f"Could not find tweet with id: [{created}]."
    assert gone.errors[0]["parameter"] == "id"


def test_x_serves_text_with_links_wrapped_and_html_escaped_as_x_does(
    server: SandboxServer, x: XConnector
) -> None:
    client = tweepy_client(server)
    written = "Jautājumi & atbildes <šodien>: https://www.vk.gov.lv/lv/jautajumi un http://e.gov.lv"
    created = client.create_tweet(text=written, user_auth=False).data
    found = client.get_tweet(created["id"], tweet_fields=["entities"]).data
    # X wraps every link as a 23-character t.co address and escapes &, < and > in `text`.
    assert created["text"] == found.text
    assert found.text.startswith("Jautājumi &amp; atbildes &lt;šodien&gt;: https://t.co/")
    urls = found.entities["urls"]
    assert [u["expanded_url"] for u in urls] == ["https://www.vk.gov.lv/lv/jautajumi", "http://e.gov.lv"]
    for url in urls:
        assert len(url["url"]) == 23 and found.text[url["start"] : url["end"]] == url["url"]
    # The connector gives back what was written, for reconciliation and the inbox alike.
    own = x.recent_own_posts(datetime(2000, 1, 1, tzinfo=UTC))
    assert written in [post.text for post in own]


def test_graph_errors_have_graph_shape(server: SandboxServer) -> None:
    session = make_session(server.base_url, 5)[0]
    response = session.get("https://graph.facebook.com/v21.0/me", params={"access_token": "bad"})
    error = response.json()["error"]
    assert error["code"] == 190 and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    token = server.account("facebook").token
    missing = session.get("https://graph.facebook.com/v19.0/123456", params={"access_token": token}).json()
    assert missing["error"]["code"] == 100 and missing["error"]["error_subcode"] == 33
    usage = session.get("https://graph.facebook.com/v19.0/me", params={"access_token": token})
    assert json.loads(usage.headers["x-app-usage"])["call_count"] >= 0
    assert usage.headers["facebook-api-version"] == "v19.0"


def test_every_x_operation_validates_against_openapi(server: SandboxServer, control, tmp_path: Path) -> None:
    client = tweepy_client(server)
    me = str(
        client.get_me(user_auth=False, user_fields=["created_at", "public_metrics", "description"]).data.id
    )
    tweet = client.create_tweet(text="OpenAPI", user_auth=False).data["id"]
    control("POST", "comments", {"post_id": tweet, "text": "atbilde"})
    control("POST", "mentions", {"account": me, "text": "OpenAPI jautājums"})
    fields = [
        "created_at",
        "author_id",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "public_metrics",
        "non_public_metrics",
        "organic_metrics",
        "lang",
        "reply_settings",
    ]
    mentions = client.get_users_mentions(
        me, tweet_fields=fields, expansions=["author_id", "referenced_tweets.id"], user_fields=["username"]
    )
    reply_id = next(t.id for t in mentions.data if t.referenced_tweets)
    client.get_users_mentions("999", user_auth=False)
    client.get_users_tweets(me, tweet_fields=fields)
    client.get_tweets([tweet, "1"], tweet_fields=fields, expansions=["author_id"])
    client.get_tweet(tweet, tweet_fields=fields, expansions=["author_id"])
    client.get_tweet("1")
    client.search_recent_tweets("OpenAPI", tweet_fields=fields, expansions=["author_id"])
    client.hide_reply(reply_id, user_auth=False)
    upload = make_session(server.base_url, 5)[0].post(
        "https://api.x.com/2/media/upload",
        headers={"Authorization": f"Bearer {server.account('x').token}"},
        files={"media": ("a.png", b"png")},
        data={"media_category": "tweet_image"},
    )
    assert upload.status_code == 200
    for bad in (
        lambda: client.hide_reply(tweet, user_auth=False),
        lambda: client.delete_tweet("1", user_auth=False),
        lambda: client.create_tweet(text="x" * 300, user_auth=False),
        lambda: client.get_tweets(["x"]),
    ):
        with pytest.raises(tweepy.HTTPException):
            bad()
    client.delete_tweet(tweet, user_auth=False)
    seen = {
        (e.method, operation_for(e.method, e.path.split("?")[0])[0])
        for e in server.recorded
        if e.platform == "x"
    }
    documented = {(m.upper(), p) for p, ops in spec()["paths"].items() for m in ops}
    assert seen == documented
    assert {e.status for e in server.recorded if e.platform == "x"} >= {200, 201, 400, 403, 404}
    assert all(validate_x_exchange(e) is None for e in server.recorded if e.platform == "x")


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("mentions", b"{not json", "malformed JSON"),
        ("mentions", b'{"account": "x", "text": "hi", "colour": "red"}', "unknown field 'colour'"),
        ("mentions", b'{"text": "hi"}', "missing field 'account'"),
        ("mentions", b'["list"]', "JSON object"),
        ("comments", b'{"post_id": "nope", "text": "hi"}', "no post or comment"),
        ("faults", b'{"platform": "x", "kind": "meteor"}', "kind must be one of"),
        ("faults", b'{"platform": "x", "kind": "duplicate", "count": true}', "wrong type"),
        ("simulate", b'{"count": 0}', "count must be between"),
        ("clock", b'{"advance_seconds": -5}', "only moves forward"),
        ("reset", b'{"everything": true}', "unknown field"),
    ],
)
def test_control_api_rejects_bad_input_with_a_reason(
    server: SandboxServer, path: str, body: bytes, reason: str
) -> None:
    response = requests.post(
        f"{server.base_url}/_sandbox/{path}",
        data=body,
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_control_api_shapes(server: SandboxServer, control) -> None:
    x_id = server.account("x").id
    assert set(control("POST", "mentions", {"account": x_id, "text": "sveiki", "author": "anna"})) == {"id"}
    assert (
        control(
            "POST",
            "faults",
            {"platform": "x", "endpoint": "POST /2/tweets", "kind": "server_error", "count": 2},
        )["count"]
        == 2
    )
    assert control("GET", "faults")[0]["kind"] == "server_error"
    assert control("POST", "reset", {}) == {"reset": True}
    assert control("GET", "faults") == [] and control("GET", "published", platform="x") == []
    assert [a["platform"] for a in control("GET", "accounts")] == ["x", "facebook"]
    bad = requests.get(f"{server.base_url}/_sandbox/published", params={"platform": "myspace"}, timeout=5)
    assert bad.status_code == 400


def test_state_file_keeps_accounts_and_posts_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    state = new_sandbox_state(seed=5)
    write_state(state, path)
    assert path.stat().st_mode & 0o777 == 0o600
    with SandboxServer(load_state(path), state_path=path) as first:
        client = tweepy_client(first)
        created = client.create_tweet(text="Paliks pēc restarta", user_auth=False).data["id"]
    reloaded = load_state(path)
    assert [a.token for a in reloaded.accounts] == [a.token for a in state.accounts]
    with SandboxServer(reloaded, state_path=path) as second:
        assert tweepy_client(second).get_tweets([created]).data[0].text == "Paliks pēc restarta"


def test_a_training_sandbox_gathers_its_audience_at_its_speed(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    write_state(new_sandbox_state(seed=5, audience_speed=600), path)
    assert load_state(path).audience_speed == 600  # kept in the state file
    with SandboxServer(load_state(path), state_path=path) as server:
        client = tweepy_client(server)
        tweet = client.create_tweet(text="Ātri", user_auth=False).data["id"]
        created = server.sandbox.state.tweets[tweet]["t"]
        requests.post(f"{server.base_url}/_sandbox/clock", json={"advance_seconds": 60}, timeout=5)
        youngest = (server.sandbox.now() - created) * 600
        seen = client.get_tweet(tweet, tweet_fields=["public_metrics"]).data.public_metrics
        oldest = (server.sandbox.now() - created) * 600
    # A minute of sandbox time is ten hours of audience, deterministically from the seed.
    low, high = grown_metrics(5, tweet, youngest), grown_metrics(5, tweet, oldest)
    assert low["impressions"] <= seen["impression_count"] <= high["impressions"]
    assert low["likes"] <= seen["like_count"] <= high["likes"]
    assert seen["impression_count"] > grown_metrics(5, tweet, 3 * 3600)["impressions"] > 0
    with SandboxServer(new_sandbox_state(seed=5)) as real_pace:
        client = tweepy_client(real_pace)
        tweet = client.create_tweet(text="Lēni", user_auth=False).data["id"]
        fresh = client.get_tweet(tweet, tweet_fields=["public_metrics"]).data.public_metrics
    assert fresh["impression_count"] <= grown_metrics(5, tweet, 60)["impressions"]


def test_same_seed_same_citizens() -> None:
    runs = []
    for _ in range(2):
        with SandboxServer(new_sandbox_state(seed=9), seed=9) as server:
            server.sandbox.simulate(1)  # nothing to comment on yet: X only
            runs.append(server.sandbox.simulate(25, platform="x"))
    assert runs[0] == runs[1]
    assert {i["category"] for i in runs[0]} >= {"question", "complaint", "praise"}


def test_only_loopback_addresses_can_be_bound() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(host="0.0.0.0")


def test_the_guard_stops_non_loopback_connections() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="non-loopback"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed, and never tried


def test_connector_tests_only_ever_connected_to_loopback(x: XConnector) -> None:
    x.verify_credentials()  # at least this connection, whatever ran before
    assert conftest.CONNECTED, "the guard saw no connections at all"
    assert all(conftest._is_loopback(h) for h in conftest.CONNECTED if h != "192.0.2.1")


def test_sandbox_serve_prints_accounts_first(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    command = [
        sys.executable,
        "-c",
        "from smtool.cli.main import run; run()",
        "sandbox",
        "serve",
        "--port",
        "0",
        "--state",
        str(state),
        "--seed",
        "4",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
        assert announced["base_url"].startswith("http://127.0.0.1:")
        assert [(a["platform"], set(a)) for a in announced["accounts"]] == [
            ("x", {"platform", "id", "handle", "token"}),
            ("facebook", {"platform", "id", "handle", "token"}),
        ]
        me = requests.get(
            announced["base_url"] + "/2/users/me",
            headers={"Authorization": f"Bearer {announced['accounts'][0]['token']}"},
            timeout=5,
        )
        assert me.json()["data"]["id"] == announced["accounts"][0]["id"]
        assert [a.token for a in load_state(state).accounts] == [a["token"] for a in announced["accounts"]]
    finally:
        process.terminate()
        process.wait(timeout=10)
