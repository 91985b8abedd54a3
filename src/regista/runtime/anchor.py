"""Signed checkpoints of the audit trail, kept outside the database.

A checkpoint lists the head (event count and last hash) of every instance's history chain,
with a Merkle root over them and the totals, and is signed with a key the operator holds:
HMAC-SHA256 with a secret, or Ed25519 (with the optional `cryptography` package). Because
each event's hash covers the one before it, a head covers its whole chain: verifying the
database against the checkpoint proves that no event it covers was rewritten or deleted,
and that no instance it covers was removed. See docs/audit.md for what it cannot prove.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from regista.store import HistoryHead
from regista.store.chain import canonical_json

__all__ = [
    "FORMAT",
    "AnchorError",
    "Checkpoint",
    "Ed25519Key",
    "HmacKey",
    "SigningKey",
    "make_checkpoint",
    "merkle_root",
    "read_checkpoint",
]

FORMAT = "regista-audit-anchor/1"


class AnchorError(ValueError):
    """A checkpoint or key that cannot be used: unreadable, not a checkpoint, or a signature
    that does not verify with the key given."""


class SigningKey(Protocol):
    """What signs and verifies a checkpoint."""

    algorithm: str

    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> str: ...

    def verifies(self, message: bytes, signature: str) -> bool: ...


class HmacKey:
    """HMAC-SHA256 with a secret the operator keeps (anyone with it can also sign)."""

    algorithm = "HMAC-SHA256"

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise AnchorError("the HMAC key is shorter than 16 bytes; use a long random secret")
        self._secret = secret

    @classmethod
    def from_file(cls, path: str | Path) -> HmacKey:
        """The secret in a file (surrounding whitespace is not part of it)."""
        return cls(_read_key_file(path).strip())

    def key_id(self) -> str:
        # Names the key without revealing it: a hash of a hash of the secret.
        return hashlib.sha256(b"regista-anchor-key\n" + self._secret).hexdigest()[:16]

    def sign(self, message: bytes) -> str:
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def verifies(self, message: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.sign(message), signature)


class Ed25519Key:
    """Ed25519: a private key signs, its public key (which may be published) verifies."""

    algorithm = "Ed25519"

    def __init__(self, pem: bytes) -> None:
        try:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ed25519
        except ImportError:
            raise AnchorError(
                "Ed25519 anchors need the cryptography package: pip install 'regista[audit]'"
            ) from None
        self._invalid = InvalidSignature
        self._private: ed25519.Ed25519PrivateKey | None = None
        try:
            if b"PRIVATE KEY" in pem:
                private = serialization.load_pem_private_key(pem, password=None)
                if not isinstance(private, ed25519.Ed25519PrivateKey):
                    raise AnchorError("the key is not an Ed25519 private key")
                self._private = private
                self._public = private.public_key()
            else:
                public = serialization.load_pem_public_key(pem)
                if not isinstance(public, ed25519.Ed25519PublicKey):
                    raise AnchorError("the key is not an Ed25519 public key")
                self._public = public
        except (ValueError, TypeError) as exc:
            raise AnchorError(f"cannot read the Ed25519 key (PEM expected): {exc}") from None
        self._raw_public = self._public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Ed25519Key:
        return cls(_read_key_file(path))

    def key_id(self) -> str:
        return hashlib.sha256(self._raw_public).hexdigest()[:16]

    def sign(self, message: bytes) -> str:
        if self._private is None:
            raise AnchorError("signing needs the Ed25519 private key, not the public one")
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    def verifies(self, message: bytes, signature: str) -> bool:
        try:
            self._public.verify(base64.b64decode(signature, validate=True), message)
        except (self._invalid, ValueError):
            return False
        return True


def _read_key_file(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise AnchorError(f"cannot read the key file {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A verified checkpoint: when it was made and the chain heads it covers."""

    created_at: str
    heads: tuple[HistoryHead, ...]
    merkle_root: str
    algorithm: str
    key_id: str

    @property
    def events(self) -> int:
        return sum(h.seq for h in self.heads)

    def by_instance(self) -> dict[str, HistoryHead]:
        return {h.instance_id: h for h in self.heads}


def _leaf(head: HistoryHead) -> bytes:
    text = canonical_json([head.instance_id, head.seq, head.hash])
    return hashlib.sha256(b"\x00" + text.encode()).digest()


def merkle_root(heads: Iterable[HistoryHead]) -> str:
    """The Merkle root (hex) over the heads ordered by instance id; leaves and inner nodes
    are hashed with different prefixes, and an odd node is carried up unpaired."""
    level = [_leaf(h) for h in sorted(heads, key=lambda h: h.instance_id)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def _body(created_at: str, heads: Sequence[HistoryHead]) -> dict[str, Any]:
    ordered = sorted(heads, key=lambda h: h.instance_id)
    return {
        "format": FORMAT,
        "created_at": created_at,
        "instances": len(ordered),
        "events": sum(h.seq for h in ordered),
        "merkle_root": merkle_root(ordered),
        "heads": [[h.instance_id, h.seq, h.hash] for h in ordered],
    }


def make_checkpoint(heads: Sequence[HistoryHead], key: SigningKey, *, now: datetime) -> str:
    """The signed checkpoint of `heads` as JSON text (what `regista audit anchor` writes)."""
    body = _body(now.astimezone(UTC).isoformat(timespec="microseconds"), heads)
    signed = canonical_json(body).encode()
    document = {
        **body,
        "signature": {
            "algorithm": key.algorithm,
            "key_id": key.key_id(),
            "value": key.sign(signed),
        },
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def read_checkpoint(text: str | bytes, key: SigningKey) -> Checkpoint:
    """Parse a checkpoint and verify its signature and Merkle root with `key`; raise
    `AnchorError` saying what is wrong."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AnchorError(f"the anchor is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise AnchorError(f"the file is not a Regista audit anchor (format {FORMAT!r})")
    signature = document.get("signature")
    if not isinstance(signature, Mapping) or not isinstance(signature.get("value"), str):
        raise AnchorError("the anchor carries no signature")
    if signature.get("algorithm") != key.algorithm:
        raise AnchorError(
            f"the anchor is signed with {signature.get('algorithm')}, but the key given is "
            f"{key.algorithm}; give the key it was made with"
        )
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        signed = canonical_json(body).encode()
    except ValueError as exc:
        raise AnchorError(f"the anchor is malformed: {exc}") from None
    if not key.verifies(signed, signature["value"]):
        raise AnchorError(
            "the anchor's signature does not verify with this key: the anchor was altered, "
            "or it was made with another key"
        )
    heads = _heads(body.get("heads"))
    root = merkle_root(heads)
    if root != body.get("merkle_root"):
        raise AnchorError("the anchor's Merkle root does not match its heads")
    return Checkpoint(
        created_at=str(body.get("created_at")),
        heads=heads,
        merkle_root=root,
        algorithm=key.algorithm,
        key_id=str(signature.get("key_id")),
    )


def _heads(value: object) -> tuple[HistoryHead, ...]:
    if not isinstance(value, list):
        raise AnchorError("the anchor's heads are not a list")
    heads: list[HistoryHead] = []
    for item in value:
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], str)
            or not isinstance(item[1], int)
            or not isinstance(item[2], str)
        ):
            raise AnchorError(f"the anchor holds a malformed head: {item!r}")
        heads.append(HistoryHead(item[0], item[1], item[2]))
    return tuple(heads)
