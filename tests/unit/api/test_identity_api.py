"""Users, groups, roles and API keys over real HTTP, in the v2 shape: created, searched,
changed and removed by an administrator, and the credentials they make checked at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .identitykit import ADMIN, Served, basic, bearer, identity_app


@pytest.fixture
def served() -> Iterator[Served]:
    with identity_app() as found:
        yield found


def test_users_are_created_read_changed_and_deleted(served: Served) -> None:
    http, admin = served.http, served.admin
    made = http.post(
        "/v2/users",
        json={"username": "ann", "password": "pw1", "name": "Ann", "email": "a@x.org", "x": 1},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "ann" and made.json()["roles"] == []
    again = http.post("/v2/users", json={"username": "ann", "password": "p"}, headers=admin)
    assert again.status_code == 409 and "ann" in again.json()["detail"]
    got = http.get("/v2/users/ann", headers=admin).json()
    assert (got["name"], got["email"], got["enabled"], got["groups"]) == (
        "Ann",
        "a@x.org",
        True,
        [],
    )
    assert http.get("/v2/authentication/me", headers=basic("ann", "pw1")).status_code == 200

    changed = http.put("/v2/users/ann", json={"password": "pw2", "email": None}, headers=admin)
    assert changed.status_code == 200 and changed.json()["email"] is None
    assert changed.json()["name"] == "Ann", "a field left out stays"
    assert http.get("/v2/authentication/me", headers=basic("ann", "pw1")).status_code == 401
    assert http.get("/v2/authentication/me", headers=basic("ann", "pw2")).status_code == 200

    assert http.put("/v2/users/ann", json={"enabled": False}, headers=admin).status_code == 200
    assert http.get("/v2/authentication/me", headers=basic("ann", "pw2")).status_code == 401
    assert http.delete("/v2/users/ann", headers=admin).status_code == 204
    assert http.get("/v2/users/ann", headers=admin).status_code == 404
    assert http.delete("/v2/users/ann", headers=admin).status_code == 404


def test_a_bad_user_is_a_400_naming_the_field(served: Served) -> None:
    http, admin = served.http, served.admin
    for body, field in (
        ({"username": "a:b", "password": "p"}, "username"),
        ({"username": "ann"}, "password"),
        ({"username": "ann", "password": "p", "roles": ["boss"]}, "roles.0"),
    ):
        refused = http.post("/v2/users", json=body, headers=admin)
        assert refused.status_code == 400, refused.text
        assert [p["name"] for p in refused.json()["invalidParams"]] == [field]
    assert http.put("/v2/users/nobody", json={}, headers=admin).status_code == 404


def test_users_are_searched_sorted_and_paged(served: Served) -> None:
    http, admin = served.http, served.admin
    for name, mail in (("bob", "b@corp.com"), ("cid", "c@home.net"), ("dan", "d@corp.com")):
        http.post(
            "/v2/users", json={"username": name, "password": "p", "email": mail}, headers=admin
        )

    def names(body: dict[str, object]) -> list[str]:
        found = http.post("/v2/users/search", json=body, headers=admin)
        assert found.status_code == 200, found.text
        return [u["username"] for u in found.json()["items"]]

    assert names({}) == ["bob", "cid", "dan", "root"]
    assert http.post("/v2/users/search", headers=admin).json()["page"]["totalItems"] == 4
    assert names({"filter": {"email": {"$like": "*@corp.com"}}}) == ["bob", "dan"]
    assert names({"filter": {"username": "cid"}}) == ["cid"]
    assert names({"filter": {"username": {"$in": ["bob", "root"]}, "unknown": 1}}) == [
        "bob",
        "root",
    ]
    assert names({"sort": [{"field": "email", "order": "DESC"}]}) == ["dan", "cid", "bob", "root"]
    first = http.post("/v2/users/search", json={"page": {"limit": 2}}, headers=admin).json()
    assert [u["username"] for u in first["items"]] == ["bob", "cid"]
    assert first["page"]["totalItems"] == 4 and first["page"]["hasMoreTotalItems"] is False
    after = first["page"]["endCursor"]
    assert names({"page": {"limit": 2, "after": after}}) == ["dan", "root"]
    assert names({"page": {"limit": 5, "before": after}}) == ["bob"]
    assert names({"page": {"from": 3, "limit": 5}}) == ["root"]
    for body, field in (
        ({"sort": [{"field": "shoeSize"}]}, "sort.0.field"),
        ({"page": {"after": "nonsense"}}, "page.after"),
        ({"filter": {"username": {"$gt": "a"}}}, "filter.username.$gt"),
        ({"page": {"limit": 0}}, "page.limit"),
    ):
        refused = http.post("/v2/users/search", json=body, headers=admin)
        assert refused.status_code == 400, refused.text
        assert [p["name"] for p in refused.json()["invalidParams"]] == [field]


def test_groups_give_their_members_roles(served: Served) -> None:
    http, admin = served.http, served.admin
    http.post("/v2/users", json={"username": "ann", "password": "pw"}, headers=admin)
    made = http.post(
        "/v2/groups",
        json={"groupId": "ops", "name": "Operations", "roles": ["operator"]},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["roles"] == ["operator"]
    assert (
        http.post("/v2/groups", json={"groupId": "ops", "name": "x"}, headers=admin).status_code
        == 409
    )
    assert http.put("/v2/groups/ops/users/ann", headers=admin).status_code == 204
    assert http.put("/v2/groups/ops/users/ann", headers=admin).status_code == 409
    assert http.put("/v2/groups/ops/users/nobody", headers=admin).status_code == 404
    me = http.get("/v2/authentication/me", headers=basic("ann", "pw")).json()
    assert (me["groups"], me["roles"]) == (["ops"], ["operator"])
    members = http.post("/v2/groups/ops/users/search", json={}, headers=admin).json()
    assert members["items"] == [{"username": "ann"}]
    assert http.get("/v2/users/ann", headers=admin).json()["groups"] == ["ops"]

    updated = http.put(
        "/v2/groups/ops", json={"name": "Ops", "description": "night"}, headers=admin
    ).json()
    assert updated == {
        "groupId": "ops",
        "name": "Ops",
        "description": "night",
        "roles": ["operator"],
    }
    found = http.post("/v2/groups/search", json={"filter": {"name": "Ops"}}, headers=admin).json()
    assert [g["groupId"] for g in found["items"]] == ["ops"]
    assert http.delete("/v2/groups/ops/users/ann", headers=admin).status_code == 204
    assert http.delete("/v2/groups/ops/users/ann", headers=admin).status_code == 404
    me = http.get("/v2/authentication/me", headers=basic("ann", "pw")).json()
    assert (me["groups"], me["roles"]) == ([], [])
    assert http.delete("/v2/groups/ops", headers=admin).status_code == 204
    assert http.get("/v2/groups/ops", headers=admin).status_code == 404


def test_roles_are_assigned_to_users_and_groups(served: Served) -> None:
    http, admin = served.http, served.admin
    http.post("/v2/users", json={"username": "ann", "password": "pw"}, headers=admin)
    http.post("/v2/groups", json={"groupId": "devs", "name": "Devs"}, headers=admin)
    roles = http.post("/v2/roles/search", json={}, headers=admin).json()
    assert [r["roleId"] for r in roles["items"]] == [
        "admin",
        "modeler",
        "operator",
        "worker",
        "user",
    ]
    assert http.get("/v2/roles/worker", headers=admin).json()["name"] == "worker"
    assert http.get("/v2/roles/boss", headers=admin).status_code == 404

    assert http.put("/v2/roles/worker/users/ann", headers=admin).status_code == 204
    assert http.put("/v2/roles/worker/users/ann", headers=admin).status_code == 409
    assert http.put("/v2/roles/modeler/groups/devs", headers=admin).status_code == 204
    http.put("/v2/groups/devs/users/ann", headers=admin)
    me = http.get("/v2/authentication/me", headers=basic("ann", "pw")).json()
    assert me["roles"] == ["modeler", "worker"]
    holders = http.post("/v2/roles/worker/users/search", json={}, headers=admin).json()
    assert holders["items"] == [{"username": "ann"}]
    groups = http.post("/v2/roles/modeler/groups/search", json={}, headers=admin).json()
    assert groups["items"] == [{"groupId": "devs"}]

    assert http.delete("/v2/roles/worker/users/ann", headers=admin).status_code == 204
    assert http.delete("/v2/roles/worker/users/ann", headers=admin).status_code == 404
    assert http.delete("/v2/roles/modeler/groups/devs", headers=admin).status_code == 204
    assert http.put("/v2/roles/boss/users/ann", headers=admin).status_code == 404
    assert http.get("/v2/authentication/me", headers=basic("ann", "pw")).json()["roles"] == []


def test_api_keys_are_shown_once_act_as_their_user_and_can_be_revoked(served: Served) -> None:
    http, admin = served.http, served.admin
    http.post("/v2/users", json={"username": "svc", "password": "pw"}, headers=admin)
    http.put("/v2/roles/worker/users/svc", headers=admin)
    http.put("/v2/roles/operator/users/svc", headers=admin)
    made = http.post(
        "/v2/api-keys", json={"username": "svc", "roles": ["worker"], "name": "ci"}, headers=admin
    )
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert key.startswith(made.json()["prefix"] + "_") and key.startswith("rgk_")
    me = http.get("/v2/authentication/me", headers=bearer(key)).json()
    assert (me["username"], me["roles"]) == ("svc", ["worker"]), "the key's roles only"
    lower = http.get("/v2/authentication/me", headers={"Authorization": f"bearer {key}"})
    assert lower.status_code == 200, "the scheme in any case"
    inheriting = http.post("/v2/api-keys", json={"username": "svc"}, headers=admin).json()
    me = http.get("/v2/authentication/me", headers=bearer(inheriting["key"])).json()
    assert me["roles"] == ["operator", "worker"]

    listed = http.post("/v2/api-keys/search", json={}, headers=admin).json()
    assert len(listed["items"]) == 2 and all("key" not in k for k in listed["items"])
    assert listed["items"][0]["lastUsedAt"] is not None
    assert http.get("/v2/authentication/me", headers=bearer(key + "x")).status_code == 401
    assert http.get("/v2/authentication/me", headers=bearer("rgk_nope_x")).status_code == 401

    key_id = made.json()["apiKeyId"]
    assert http.delete(f"/v2/api-keys/{key_id}", headers=admin).status_code == 204
    assert http.get("/v2/authentication/me", headers=bearer(key)).status_code == 401
    revoked = http.post(
        "/v2/api-keys/search", json={"filter": {"revoked": True}}, headers=admin
    ).json()
    assert [k["apiKeyId"] for k in revoked["items"]] == [key_id]
    assert http.delete("/v2/api-keys/nope", headers=admin).status_code == 404
    too_much = http.post(
        "/v2/api-keys", json={"username": "svc", "roles": ["admin"]}, headers=admin
    )
    assert too_much.status_code == 400 and "admin" in too_much.json()["detail"]
    assert http.post("/v2/api-keys", json={"username": "nobody"}, headers=admin).status_code == 404


def test_a_disabled_owner_disables_their_keys(served: Served) -> None:
    http, admin = served.http, served.admin
    http.post("/v2/users", json={"username": "svc", "password": "pw"}, headers=admin)
    key = http.post("/v2/api-keys", json={"username": "svc"}, headers=admin).json()["key"]
    assert http.get("/v2/authentication/me", headers=bearer(key)).status_code == 200
    http.put("/v2/users/svc", json={"enabled": False}, headers=admin)
    assert http.get("/v2/authentication/me", headers=bearer(key)).status_code == 401


def test_only_an_administrator_manages_identities(served: Served) -> None:
    http, admin = served.http, served.admin
    http.post(
        "/v2/users", json={"username": "op", "password": "pw", "roles": ["operator"]}, headers=admin
    )
    refused = http.post("/v2/users/search", json={}, headers=basic("op", "pw"))
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    assert http.post("/v2/users/search", json={}).status_code == 401
    assert http.get("/v2/authentication/me", headers=basic(*ADMIN)).json()["roles"] == ["admin"]
