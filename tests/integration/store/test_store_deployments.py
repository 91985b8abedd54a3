"""Deployments on every backend: recorded with their definitions (new and kept), read back
one by one and all together in time order, refused when duplicated, undone with a failed
transaction; and the message subscriptions of a name, whatever their keys."""

from __future__ import annotations

import pytest
from storekit import T0, at

from regista.store import Deployment, DuplicateKey, NewSubscription, Store

pytest_plugins = ["storefixtures"]


def deployment(deployment_id: str, seconds: int, *held: tuple[str, bool]) -> Deployment:
    return Deployment(
        id=deployment_id,
        name=f"release {deployment_id}",
        source="Camunda Modeler",
        deployed_at=at(seconds),
        deployed_by="modeler",
        definitions=held,
    )


def test_deployments_are_kept_with_their_definitions(store: Store) -> None:
    with store.transaction() as tx:
        first, _ = tx.deploy_definition("order", "<a/>", now=T0, definition_id="order-1")
        tx.insert_deployment(deployment("d2", 20, (first.id, False)))
        tx.insert_deployment(deployment("d1", 10, (first.id, True), ("form-1", True)))
    with store.transaction(write=False) as tx:
        found = tx.get_deployment("d1")
        assert found == deployment("d1", 10, ("form-1", True), (first.id, True))
        assert tx.get_deployment("nope") is None
        assert [d.id for d in tx.list_deployments()] == ["d1", "d2"]
        assert tx.list_deployments()[1].definitions == ((first.id, False),)
    with pytest.raises(DuplicateKey), store.transaction() as tx:
        tx.insert_deployment(deployment("d1", 30))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.insert_deployment(deployment("d3", 40, ("order-1", False)))
        raise RuntimeError("undo it")
    with store.transaction(write=False) as tx:
        assert [d.id for d in tx.list_deployments()] == ["d1", "d2"]


def test_message_subscriptions_of_a_name_whatever_their_keys(store: Store) -> None:
    with store.transaction() as tx:
        for sub_id, name, kind, key, t in (
            ("m2", "paid", "message", "order-2", 2),
            ("m1", "paid", "message", None, 1),
            ("g1", "paid", "signal", None, 0),
            ("x1", "shipped", "message", None, 0),
        ):
            tx.insert_subscription(
                NewSubscription(
                    id=sub_id,
                    instance_id=f"i-{sub_id}",
                    kind="message" if kind == "message" else "signal",
                    name=name,
                    correlation_key=key,
                    element_id="catch",
                    element_instance_id=f"ei-{sub_id}",
                ),
                now=at(t),
            )
    with store.transaction(write=False) as tx:
        assert [s.id for s in tx.message_subscriptions("paid")] == ["m1", "m2"]
        assert tx.message_subscriptions("nothing") == []
