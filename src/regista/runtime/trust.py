"""Who may deploy a trusted model: the key configured on the database.

Trust is recorded with each deployment (`Definition.trust`) and checked where a step runs,
so what matters is who may record it. The server lets an administrator do so (its own role
check); any other caller — the command line, a `Client` — must give the trusted-deploy key
configured on the database (`regista db trust-key`). Only the key's SHA-256 is stored: the
key is 256 random bits, so a fast hash is enough, as for API keys. Without a configured key
nobody can deploy trusted except through the server or a local run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from regista.runtime.errors import RequestError
from regista.store import Transaction

__all__ = [
    "TRUST_KEY_ENV",
    "TRUST_KEY_SETTING",
    "TrustRefused",
    "check_trust_key",
    "configure_trust_key",
    "new_trust_key",
]

TRUST_KEY_SETTING = "trusted_deploy_key_sha256"
TRUST_KEY_ENV = "REGISTA_TRUSTED_DEPLOY_KEY"
_PREFIX = "rgt_"


class TrustRefused(RequestError):
    """A trusted deployment without the right to make one."""


def new_trust_key() -> str:
    """A fresh trusted-deploy key (shown once; only its hash is kept)."""
    return _PREFIX + secrets.token_urlsafe(32)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def configure_trust_key(tx: Transaction, key: str | None, *, now: dt.datetime) -> None:
    """Make `key` the database's trusted-deploy key (None: remove it, so nobody can deploy
    trusted from the command line)."""
    if key is None:
        tx.delete_setting(TRUST_KEY_SETTING)
        return
    if not key.startswith(_PREFIX) or len(key) < 40:
        raise RequestError(
            "a trusted-deploy key is made by `regista db trust-key` (it starts with 'rgt_' and "
            "holds 256 random bits); a chosen password is not accepted"
        )
    tx.put_setting(TRUST_KEY_SETTING, _digest(key), now=now)


def check_trust_key(tx: Transaction, key: str | None) -> None:
    """Refuse (`TrustRefused`) unless `key` is the database's trusted-deploy key."""
    stored = tx.get_setting(TRUST_KEY_SETTING)
    if stored is None:
        raise TrustRefused(
            "this database has no trusted-deploy key, so no model can be deployed trusted "
            "from here: an administrator runs `regista db trust-key` once and gives the key "
            f"to trusted deployers (as {TRUST_KEY_ENV}), or deploys through the server as admin"
        )
    if not key:
        raise TrustRefused(
            f"deploying trusted needs the database's trusted-deploy key: set {TRUST_KEY_ENV} "
            "(made by `regista db trust-key`)"
        )
    if not hmac.compare_digest(stored, _digest(key)):
        raise TrustRefused(
            f"the trusted-deploy key given ({TRUST_KEY_ENV}) is not this database's; ask the "
            "administrator for the key `regista db trust-key` made"
        )
