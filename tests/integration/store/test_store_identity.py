"""Users, groups, memberships and API keys on every backend: written, read back, changed,
refused when duplicated, removed with what hangs on them, and undone with a failed
transaction."""

from __future__ import annotations

from dataclasses import replace

import pytest
from storekit import T0, Backend, at

from regista.store import DuplicateKey, Store
from regista.store.identity import ApiKey, Group, User

pytest_plugins = ["storefixtures"]


def user(name: str, *roles: str, enabled: bool = True) -> User:
    return User(
        username=name,
        name=name.title(),
        email=f"{name}@example.com",
        password_hash=f"$argon2id$fake${name}",
        roles=roles,
        enabled=enabled,
        created_at=T0,
    )


def key(key_id: str, owner: str, roles: tuple[str, ...] | None = None) -> ApiKey:
    return ApiKey(
        id=key_id,
        prefix=f"rgk_{key_id}",
        secret_hash="ab" * 32,
        username=owner,
        roles=roles,
        name="ci",
        created_at=at(1),
    )


def test_users_are_kept_changed_listed_and_removed(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("bob", "operator"))
        tx.insert_user(user("ann", "admin", "user"))
    with store.transaction(write=False) as tx:
        assert tx.get_user("ann") == user("ann", "admin", "user")
        assert tx.get_user("nobody") is None
        assert [u.username for u in tx.list_users()] == ["ann", "bob"]
    changed = replace(user("bob", "worker"), name="Robert", email=None, enabled=False)
    with store.transaction() as tx:
        assert tx.update_user(replace(changed, created_at=at(99)))
        assert not tx.update_user(user("nobody"))
    with store.transaction(write=False) as tx:
        assert tx.get_user("bob") == changed, "created_at is not changed by an update"
    with store.transaction() as tx:
        assert tx.delete_user("bob")
        assert not tx.delete_user("bob")
    with store.transaction(write=False) as tx:
        assert [u.username for u in tx.list_users()] == ["ann"]


def test_a_username_and_a_group_id_are_unique(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("ann"))
        tx.insert_group(Group("ops", "Operations", None, ("operator",), T0))
    with pytest.raises(DuplicateKey, match="ann"), store.transaction() as tx:
        tx.insert_user(user("ann", "admin"))
    with pytest.raises(DuplicateKey, match="ops"), store.transaction() as tx:
        tx.insert_group(Group("ops", "Other", None, (), T0))
    with store.transaction(write=False) as tx:
        found = tx.get_user("ann")
        assert found is not None and found.roles == ()
        group = tx.get_group("ops")
        assert group is not None and group.name == "Operations"


def test_groups_and_memberships(store: Store) -> None:
    ops = Group("ops", "Operations", "night shift", ("operator", "worker"), T0)
    with store.transaction() as tx:
        tx.insert_user(user("ann"))
        tx.insert_user(user("bob"))
        tx.insert_group(ops)
        tx.insert_group(Group("audit", "Audit", None, (), T0))
        assert tx.add_member("ops", "bob")
        assert tx.add_member("ops", "ann")
        assert not tx.add_member("ops", "ann"), "already a member"
        assert tx.add_member("audit", "ann")
    with store.transaction(write=False) as tx:
        assert tx.get_group("ops") == ops
        assert [g.id for g in tx.list_groups()] == ["audit", "ops"]
        assert tx.members_of("ops") == ["ann", "bob"]
        assert [g.id for g in tx.groups_of("ann")] == ["audit", "ops"]
        assert tx.groups_of("nobody") == []
    with store.transaction() as tx:
        assert tx.update_group(replace(ops, name="Ops", description=None, roles=("user",)))
        assert not tx.update_group(Group("nope", "x", None, (), T0))
        assert tx.remove_member("ops", "bob")
        assert not tx.remove_member("ops", "bob")
    with store.transaction(write=False) as tx:
        assert tx.get_group("ops") == Group("ops", "Ops", None, ("user",), T0)
        assert tx.members_of("ops") == ["ann"]
    with store.transaction() as tx:
        assert tx.delete_group("ops")
        assert not tx.delete_group("ops")
    with store.transaction(write=False) as tx:
        assert [g.id for g in tx.groups_of("ann")] == ["audit"]
        assert tx.members_of("ops") == []


def test_api_keys_are_kept_used_and_revoked(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("svc", "worker"))
        tx.insert_user(user("ann", "admin"))
        tx.insert_api_key(key("k1", "svc"))
        tx.insert_api_key(key("k2", "svc", ("worker",)))
        tx.insert_api_key(key("k3", "ann", ()))
    with store.transaction(write=False) as tx:
        assert tx.get_api_key("k1") == key("k1", "svc")
        assert tx.get_api_key("k3") == key("k3", "ann", ())
        assert tx.get_api_key("nope") is None
        assert [k.id for k in tx.list_api_keys()] == ["k1", "k2", "k3"]
        assert [k.id for k in tx.list_api_keys("svc")] == ["k1", "k2"]
    with store.transaction() as tx:
        tx.api_key_used("k2", now=at(5))
        assert tx.revoke_api_key("k1", now=at(6))
        assert not tx.revoke_api_key("k1", now=at(7)), "already revoked"
        assert not tx.revoke_api_key("nope", now=at(7))
    with store.transaction(write=False) as tx:
        assert tx.get_api_key("k2") == replace(key("k2", "svc", ("worker",)), last_used_at=at(5))
        assert tx.get_api_key("k1") == replace(key("k1", "svc"), revoked_at=at(6))


def test_removing_a_user_removes_its_memberships_and_keys(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("svc"))
        tx.insert_user(user("ann"))
        tx.insert_group(Group("ops", "Ops", None, (), T0))
        tx.add_member("ops", "svc")
        tx.add_member("ops", "ann")
        tx.insert_api_key(key("k1", "svc"))
        tx.insert_api_key(key("k2", "ann"))
    with store.transaction() as tx:
        assert tx.delete_user("svc")
    with store.transaction(write=False) as tx:
        assert tx.members_of("ops") == ["ann"]
        assert [k.id for k in tx.list_api_keys()] == ["k2"]


def test_a_failed_transaction_leaves_no_identity_change(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("ann"))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.insert_user(user("bob"))
        tx.update_user(user("ann", "admin"))
        tx.insert_group(Group("ops", "Ops", None, (), T0))
        tx.add_member("ops", "ann")
        tx.insert_api_key(key("k1", "ann"))
        raise RuntimeError("abort")
    with store.transaction(write=False) as tx:
        assert [u.username for u in tx.list_users()] == ["ann"]
        found = tx.get_user("ann")
        assert found is not None and found.roles == ()
        assert tx.list_groups() == [] and tx.groups_of("ann") == []
        assert tx.list_api_keys() == []


def test_identity_survives_reopening(backend: Backend) -> None:
    if backend.name == "memory":
        pytest.skip("the memory store lives as long as its object")
    with backend.open().transaction() as tx:
        tx.insert_user(user("ann", "admin"))
        tx.insert_group(Group("ops", "Ops", None, ("operator",), T0))
        tx.add_member("ops", "ann")
    reopened = backend.open()
    with reopened.transaction(write=False) as tx:
        assert tx.get_user("ann") == user("ann", "admin")
        assert [g.roles for g in tx.groups_of("ann")] == [("operator",)]


def test_settings_are_kept_replaced_removed_and_undone(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.get_setting("trusted_deploy_key_sha256") is None
        tx.put_setting("trusted_deploy_key_sha256", "aa", now=T0)
        tx.put_setting("trusted_deploy_key_sha256", "bb", now=at(1))  # replaced
    with store.transaction(write=False) as tx:
        assert tx.get_setting("trusted_deploy_key_sha256") == "bb"
    with pytest.raises(RuntimeError), store.transaction() as tx:
        assert tx.delete_setting("trusted_deploy_key_sha256")
        raise RuntimeError("rolled back")
    with store.transaction() as tx:
        assert tx.get_setting("trusted_deploy_key_sha256") == "bb"
        assert tx.delete_setting("trusted_deploy_key_sha256")
        assert not tx.delete_setting("trusted_deploy_key_sha256")
        assert tx.get_setting("trusted_deploy_key_sha256") is None


def test_a_definition_records_its_trust_and_deployer(store: Store) -> None:
    with store.transaction() as tx:
        first, created = tx.deploy_definition("p", "<x/>", now=T0, deployed_by="ann")
        assert created and first.trust == "untrusted" and not first.trusted
        same, created = tx.deploy_definition("p", "<x/>", now=at(1))
        assert not created and same.id == first.id
        trusted, created = tx.deploy_definition(
            "p", "<x/>", now=at(2), trust="trusted", deployed_by="bob"
        )
        assert created and trusted.version == 2 and trusted.trusted
    with store.transaction(write=False) as tx:
        rows = tx.list_definitions("p")
    assert [(d.version, d.trust, d.deployed_by) for d in rows] == [
        (1, "untrusted", "ann"),
        (2, "trusted", "bob"),
    ]
