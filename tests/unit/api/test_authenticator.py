"""The stored authenticator: Basic and Bearer credentials, the short cache that spares
argon2 on every request, what drops it, and the first administrator."""

from __future__ import annotations

from typing import Any

import pytest

from regista.api.authenticator import StoredAuthenticator
from regista.api.identity import Directory, bearer_token, split_key
from regista.store.memory import MemoryStore

from .identitykit import basic, bearer, cheap_passwords


class Counting(Directory):
    """A directory that counts the checks reaching the store."""

    checks = 0

    def check_password(self, username: str, password: str) -> Any:
        self.checks += 1
        return super().check_password(username, password)

    def check_api_key(self, text: str) -> Any:
        self.checks += 1
        return super().check_api_key(text)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_credentials_are_cached_for_the_ttl_only(store: MemoryStore) -> None:
    directory = Counting(store, passwords=cheap_passwords())
    directory.create_user("ann", "pw", roles=["user"])
    clock = Clock()
    auth = StoredAuthenticator(directory, ttl=5, clock=clock)
    for _ in range(3):
        found = auth.authenticate(basic("ann", "pw")["Authorization"])
        assert found is not None and found.roles == {"user"}
    assert directory.checks == 1, "verified once, then served from the cache"
    clock.now = 5.1
    assert auth.authenticate(basic("ann", "pw")["Authorization"]) is not None
    assert directory.checks == 2, "verified again once the entry expired"
    for _ in range(2):
        assert auth.authenticate(basic("ann", "wrong")["Authorization"]) is None
    assert directory.checks == 4, "failures are not cached"
    assert auth.authenticate(None) is None and auth.authenticate("Digest x") is None


def test_a_change_here_drops_the_cache_and_elsewhere_waits_for_the_ttl(
    store: MemoryStore,
) -> None:
    here = Directory(store, passwords=cheap_passwords())
    here.create_user("svc", "pw", roles=["worker"])
    key = here.create_api_key("svc").text
    clock = Clock()
    auth = StoredAuthenticator(here, ttl=5, clock=clock)
    assert auth.authenticate(bearer(key)["Authorization"]) is not None

    elsewhere = Directory(store, passwords=cheap_passwords())  # another server, same database
    key_id = elsewhere.api_keys("svc")[0].id
    elsewhere.revoke_api_key(key_id)
    assert auth.authenticate(bearer(key)["Authorization"]) is not None, "stale for the ttl"
    clock.now = 6
    assert auth.authenticate(bearer(key)["Authorization"]) is None

    assert auth.authenticate(basic("svc", "pw")["Authorization"]) is not None
    here.update_user("svc", password="new")
    assert auth.authenticate(basic("svc", "pw")["Authorization"]) is None, "dropped at once"
    assert auth.authenticate(basic("svc", "new")["Authorization"]) is not None


def test_the_first_admin_is_made_once_and_never_overwritten(store: MemoryStore) -> None:
    directory = Directory(store, passwords=cheap_passwords())
    assert directory.ensure_admin("root", "one") == "created"
    assert directory.ensure_admin("root", "two") == "exists"
    assert directory.check_password("root", "one") is not None
    assert directory.ensure_admin("other", "x") == "exists"
    directory.update_user("root", enabled=False)
    directory.create_user("ann", "pw")
    assert directory.ensure_admin("ann", "x") == "taken"
    assert directory.user("ann").roles == ()
    assert directory.ensure_admin("rescue", "pw") == "created", "no enabled admin was left"
    directory.update_user("rescue", roles=[])
    directory.create_group("admins", roles=["admin"])
    directory.add_member("admins", "ann")
    assert directory.ensure_admin("third", "pw") == "exists", "an admin through a group"


def test_tokens_are_read_as_clients_send_them() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None and bearer_token("Bearer ") is None
    assert split_key("rgk_0123_se_cr-et") == ("0123", "se_cr-et")
    assert split_key("rgk_0123") is None and split_key("xyz_1_2") is None
