"""BPMN's own message correlation (`correlationProperty` with a
`correlationPropertyRetrievalExpression` per message): each message is correlated by the
property, evaluated where it is sent and where it is awaited, so that the answer to one
order reaches the customer who placed that order, not the one who waits longest."""

from __future__ import annotations

from regista.bpmn import parse
from regista.testing import FakeClock, LocalRuntime

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" targetNamespace="t">
  <message id="m_order" name="order"/>
  <message id="m_confirm" name="confirmation"/>
  <correlationProperty id="order_id" name="Order id">
    <correlationPropertyRetrievalExpression messageRef="m_order">
      <messagePath>order_id</messagePath>
    </correlationPropertyRetrievalExpression>
    <correlationPropertyRetrievalExpression messageRef="m_confirm">
      <messagePath>order_id</messagePath>
    </correlationPropertyRetrievalExpression>
  </correlationProperty>
  <process id="customer" isExecutable="true">
    <startEvent id="cs"/><sequenceFlow id="c1" sourceRef="cs" targetRef="order"/>
    <intermediateThrowEvent id="order">
      <extensionElements><zeebe:ioMapping>
        <zeebe:input source="=order_id" target="order_id"/>
      </zeebe:ioMapping></extensionElements>
      <messageEventDefinition messageRef="m_order"/>
    </intermediateThrowEvent>
    <sequenceFlow id="c2" sourceRef="order" targetRef="confirmed"/>
    <intermediateCatchEvent id="confirmed"><messageEventDefinition messageRef="m_confirm"/>
    </intermediateCatchEvent>
    <sequenceFlow id="c3" sourceRef="confirmed" targetRef="unpack"/><userTask id="unpack"/>
  </process>
  <process id="shop" isExecutable="true">
    <startEvent id="ss"><messageEventDefinition messageRef="m_order"/></startEvent>
    <sequenceFlow id="s1" sourceRef="ss" targetRef="pack"/><userTask id="pack"/>
    <sequenceFlow id="s2" sourceRef="pack" targetRef="confirm"/>
    <intermediateThrowEvent id="confirm">
      <extensionElements><zeebe:ioMapping>
        <zeebe:input source="=order_id" target="order_id"/>
      </zeebe:ioMapping></extensionElements>
      <messageEventDefinition messageRef="m_confirm"/>
    </intermediateThrowEvent>
    <sequenceFlow id="s3" sourceRef="confirm" targetRef="se"/><endEvent id="se"/>
  </process>
</definitions>"""


def test_a_retrieval_expression_is_the_message_correlation_key() -> None:
    defs = parse(MODEL)
    key = defs.messages["m_confirm"].correlation_key
    assert key is not None and (key.text, key.language) == ("order_id", "feel")


def test_each_answer_reaches_the_customer_of_its_order() -> None:
    rt = LocalRuntime(FakeClock())
    rt.deploy(MODEL)
    first = rt.start("customer", {"order_id": 1})
    second = rt.start("customer", {"order_id": 2})
    packs = {t.variables["order_id"]: t for t in rt.tasks() if t.element_id == "pack"}
    assert sorted(packs) == [1, 2]
    rt.complete_task(packs[2].instance_id, "pack")
    assert rt.tasks(first) == []
    assert [t.element_id for t in rt.tasks(second)] == ["unpack"]
    rt.complete_task(packs[1].instance_id, "pack")
    assert [t.element_id for t in rt.tasks(first)] == ["unpack"]


def test_several_properties_make_one_key_of_their_values() -> None:
    two = MODEL.replace(
        "</correlationProperty>",
        '</correlationProperty><correlationProperty id="shop_id">'
        '<correlationPropertyRetrievalExpression messageRef="m_confirm">'
        "<messagePath>shop.id</messagePath></correlationPropertyRetrievalExpression>"
        "</correlationProperty>",
        1,
    )
    key = parse(two).messages["m_confirm"].correlation_key
    assert key is not None and key.text == "[(order_id), (shop.id)]"
