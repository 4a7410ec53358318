"""People's SSH keys: only real, strong public keys are accepted, fingerprinted as ssh-keygen does,
added by an admin, one person each, revoked on record."""

from __future__ import annotations

import base64
import json
import struct
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from sqlmodel import col, select

from smtool.errors import InvalidTransition, NotFound, PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.identity.keys import add_key, list_keys, parse_public_key, remove_key
from smtool.services.refusals import REFUSED
from smtool.store.tables import AuditEvent, UserKey
from tests.support.ssh import keygen, keygen_fingerprint, public

OPERATOR = "local:smtool"


@pytest.fixture(scope="module")
def key_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.mark.parametrize(
    ("key_type", "bits"),
    [("ed25519", None), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("rsa", 3072)],
)
def test_accepted_keys_have_the_fingerprint_ssh_keygen_prints(
    key_folder: Path, key_type: str, bits: int | None
) -> None:
    key = keygen(key_folder, f"{key_type}-{bits}", key_type, bits)
    parsed = parse_public_key(public(key))
    assert parsed.fingerprint == keygen_fingerprint(key)
    assert public(key).split()[:2] == [parsed.key_type, parsed.blob]
    assert parsed.comment == f"{key_type}-{bits}@test"


def _sk_line() -> str:
    def string(value: bytes) -> bytes:
        return struct.pack(">I", len(value)) + value

    kind = b"sk-ssh-ed25519@openssh.com"
    blob = string(kind) + string(b"\x01" * 32) + string(b"ssh:")
    return f"{kind.decode()} {base64.b64encode(blob).decode()} fido"


def _dsa_line() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns that DSA is deprecated, which is the point
        key = dsa.generate_private_key(1024).public_key()
        return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_weak_wrong_and_dangerous_input_is_refused_with_what_to_do(key_folder: Path) -> None:
    good = public(keygen(key_folder, "good"))
    key_type, blob = good.split()[:2]
    short_rsa = public(keygen(key_folder, "short", "rsa", 2048))
    cases = {
        short_rsa: "2048 bits",
        _dsa_line(): "DSA keys are weak",
        (key_folder / "good").read_text(encoding="utf-8"): "that is a private key",
        f'restrict,command="/bin/sh" {good}': "starts with authorized_keys options",
        f'from="10.0.0.1" {good}': "starts with authorized_keys options",
        good + good: "several lines",
        "hello world": "not an OpenSSH public key",
        "": "no public key given",
        f"{key_type} {blob[:-9]}": "not valid",
        f"{key_type} !!{blob}": "not valid base64",
        f"ssh-rsa {blob}": "not a valid ssh-rsa key",
        f"{key_type}": "no key data",
        f"{good.strip()}\x00": "control character",
        f"{key_type}-cert-v01@openssh.com {blob}": "SSH certificate",
        _sk_line(): "not supported yet",
        "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----": "RFC 4716",
        "x" * 20_000: "not an OpenSSH public key",
    }
    for text, message in cases.items():
        with pytest.raises(UsageError) as refused:
            parse_public_key(text)
        assert message in refused.value.msg, (text[:60], refused.value.msg)


def test_an_admin_adds_a_key_once_for_one_person_and_the_audit_log_says_so(
    ctx: Context, key_folder: Path
) -> None:
    key = keygen(key_folder, "anna")
    added = add_key(ctx, "admin", "anna", public(key))
    assert (added.user, added.fingerprint, added.added_by) == ("anna", keygen_fingerprint(key), "admin")

    with pytest.raises(UsageError, match="anna already has the key"):
        add_key(ctx, "admin", "anna", public(key))
    with pytest.raises(UsageError, match="belongs to anna; a key proves one person"):
        add_key(ctx, OPERATOR, "karlis", public(key))
    with pytest.raises(NotFound, match="no user 'mallory'"):
        add_key(ctx, OPERATOR, "mallory", public(keygen(key_folder, "mallory")))
    with pytest.raises(PermissionDenied, match="needs the role admin"):
        add_key(ctx, "karlis", "karlis", public(keygen(key_folder, "karlis-own")))

    with ctx.db.read() as session:
        rows = session.exec(select(UserKey)).all()
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert [(r.user_name, r.fingerprint) for r in rows] == [("anna", added.fingerprint)]
    (audited,) = [e for e in events if e.action == "user.add_key"]
    assert audited.actor == "admin" and json.loads(audited.payload)["fingerprint"] == added.fingerprint
    assert [(e.actor, json.loads(e.payload)["tried"]) for e in events if e.action == REFUSED] == [
        ("karlis", "user.add_key")
    ]


def test_a_revoked_key_stays_on_record_and_is_never_accepted_again(ctx: Context, key_folder: Path) -> None:
    key = keygen(key_folder, "karlis")
    fingerprint = add_key(ctx, OPERATOR, "karlis", public(key)).fingerprint

    with pytest.raises(PermissionDenied, match="anna may not revoke karlis's key"):
        remove_key(ctx, "anna", fingerprint)
    revoked = remove_key(ctx, "karlis", fingerprint)  # one's own key, e.g. a lost laptop
    assert revoked.revoked_by == "karlis" and revoked.revoked_at is not None
    with pytest.raises(
        InvalidTransition, match=r"already revoked on \d{4}-\d\d-\d\d \d\d:\d\d EES?T by karlis"
    ):
        remove_key(ctx, "admin", fingerprint)
    with pytest.raises(NotFound):
        remove_key(ctx, "admin", "SHA256:nosuchkey")
    with pytest.raises(UsageError, match="SHA256:"):
        remove_key(ctx, "admin", "MD5:aa:bb")
    with pytest.raises(UsageError, match=r"revoked on .* a revoked key is never accepted again"):
        add_key(ctx, OPERATOR, "karlis", public(key))

    (listed,) = list_keys(ctx, "karlis")
    assert (listed.fingerprint, listed.revoked_by) == (fingerprint, "karlis")


def test_people_list_their_own_keys_and_admins_everyones(ctx: Context, key_folder: Path) -> None:
    anna = add_key(ctx, OPERATOR, "anna", public(keygen(key_folder, "anna-list"))).fingerprint
    karlis = add_key(ctx, OPERATOR, "karlis", public(keygen(key_folder, "karlis-list"))).fingerprint
    assert [k.fingerprint for k in list_keys(ctx, "admin")] == [anna, karlis]
    assert [k.fingerprint for k in list_keys(ctx, OPERATOR, "karlis")] == [karlis]
    assert [k.fingerprint for k in list_keys(ctx, "anna")] == [anna]
    with pytest.raises(PermissionDenied, match="may not list karlis's keys"):
        list_keys(ctx, "anna", "karlis")
