"""Access tokens over real SQLite and PostgreSQL: the signing secret is made once in the
database's settings, so a token one server issued is accepted by another sharing it, and
not by a server of another database."""

from __future__ import annotations

from pathlib import Path

from regista.api.tokens import SIGNING_SETTING, AccessTokens
from regista.client import Client

pytest_plugins = ["jobfixtures"]


def test_servers_sharing_a_database_accept_each_others_tokens(
    database_url: str, tmp_path: Path
) -> None:
    with Client(database_url) as here, Client(database_url) as there:
        issued = AccessTokens(here.store).issue("ann", "k1")
        found = AccessTokens(there.store).verify(issued)
        assert found is not None and (found.username, found.key_id) == ("ann", "k1")
        with here.store.transaction(write=False) as tx:
            secret = tx.get_setting(SIGNING_SETTING)
        AccessTokens(there.store).issue("bob", None)
        with there.store.transaction(write=False) as tx:
            assert tx.get_setting(SIGNING_SETTING) == secret, "made once, then kept"
    with Client(f"sqlite:///{tmp_path / 'other.db'}") as elsewhere:
        assert AccessTokens(elsewhere.store).verify(issued) is None
