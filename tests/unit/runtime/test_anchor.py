"""Signed checkpoints of the audit trail: what is signed is exactly what is read back, and
any change to the file, another key or another algorithm is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from regista.runtime.anchor import (
    AnchorError,
    Ed25519Key,
    HmacKey,
    make_checkpoint,
    merkle_root,
    read_checkpoint,
)
from regista.store import HistoryHead

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HEADS = [HistoryHead(f"i-{n}", n + 1, f"{n:064x}") for n in range(5)]
KEY = HmacKey(b"sixteen bytes or more of secret")


def test_a_checkpoint_reads_back_with_its_key() -> None:
    checkpoint = read_checkpoint(make_checkpoint(HEADS, KEY, now=NOW), KEY)
    assert checkpoint.heads == tuple(HEADS)
    assert checkpoint.events == 15 and checkpoint.algorithm == "HMAC-SHA256"
    assert checkpoint.merkle_root == merkle_root(HEADS)
    assert checkpoint.created_at.startswith("2026-12-07T12:00:00")


def test_the_merkle_root_depends_on_every_head_but_not_their_order() -> None:
    assert merkle_root(HEADS) == merkle_root(list(reversed(HEADS)))
    assert merkle_root(HEADS) != merkle_root(HEADS[:-1])
    changed = [*HEADS[:2], HistoryHead("i-2", 3, "f" * 64), *HEADS[3:]]
    assert merkle_root(changed) != merkle_root(HEADS)
    assert len(merkle_root([])) == 64


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["heads"].pop(),
        lambda d: d["heads"][0].__setitem__(1, 99),
        lambda d: d.__setitem__("created_at", "2030-01-01T00:00:00+00:00"),
        lambda d: d.__setitem__("events", 1),
    ],
)
def test_any_change_to_the_file_breaks_the_signature(change: object) -> None:
    document = json.loads(make_checkpoint(HEADS, KEY, now=NOW))
    assert callable(change)
    change(document)
    with pytest.raises(AnchorError, match="signature does not verify"):
        read_checkpoint(json.dumps(document), KEY)


def test_another_key_or_algorithm_or_no_checkpoint_is_refused() -> None:
    text = make_checkpoint(HEADS, KEY, now=NOW)
    with pytest.raises(AnchorError, match="signature does not verify"):
        read_checkpoint(text, HmacKey(b"another secret of some length"))
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(AnchorError, match="signed with HMAC-SHA256"):
        read_checkpoint(text, Ed25519Key(pem))
    with pytest.raises(AnchorError, match="not JSON"):
        read_checkpoint("{", KEY)
    with pytest.raises(AnchorError, match="not a Regista audit anchor"):
        read_checkpoint("{}", KEY)


def test_ed25519_signs_with_the_private_key_and_verifies_with_the_public_one() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    text = make_checkpoint(HEADS, Ed25519Key(private_pem), now=NOW)
    public = Ed25519Key(public_pem)
    assert read_checkpoint(text, public).heads == tuple(HEADS)
    with pytest.raises(AnchorError, match="needs the Ed25519 private key"):
        make_checkpoint(HEADS, public, now=NOW)


def test_a_short_hmac_key_is_refused() -> None:
    with pytest.raises(AnchorError, match="shorter than 16 bytes"):
        HmacKey(b"short")
