"""Collaborations: starting one runs its executable pools, and messages flow between the
pools by the message flows — also when the modeler named the message on one end only, or
on neither (the flow then carries a message of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regista.bpmn import parse
from regista.model.bpmn import MessageEventDefinition, ReceiveTask
from regista.testing import FakeClock, LocalRuntime, NotFoundError, run_scenario

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
  <collaboration id="trade">
    <participant id="customer_pool" processRef="customer"/>
    <participant id="shop_pool" processRef="shop"/>
    <participant id="bank_pool"/>
    <messageFlow id="order_flow" sourceRef="order" targetRef="take_order"/>
    <messageFlow id="confirm_flow" sourceRef="confirm" targetRef="confirmed"/>
  </collaboration>
  <message id="m_confirm" name="confirmation"/>
  <process id="customer" isExecutable="true">
    <startEvent id="cs"/><sequenceFlow id="c1" sourceRef="cs" targetRef="order"/>
    <intermediateThrowEvent id="order"><messageEventDefinition/></intermediateThrowEvent>
    <sequenceFlow id="c2" sourceRef="order" targetRef="confirmed"/>
    <intermediateCatchEvent id="confirmed"><messageEventDefinition/></intermediateCatchEvent>
    <sequenceFlow id="c3" sourceRef="confirmed" targetRef="unpack"/><userTask id="unpack"/>
  </process>
  <process id="shop" isExecutable="true">
    <startEvent id="ss"/><sequenceFlow id="s1" sourceRef="ss" targetRef="take_order"/>
    <receiveTask id="take_order"/>
    <sequenceFlow id="s2" sourceRef="take_order" targetRef="confirm"/>
    <sendTask id="confirm" messageRef="m_confirm"/>
    <sequenceFlow id="s3" sourceRef="confirm" targetRef="se"/><endEvent id="se"/>
  </process>
</definitions>"""


def test_each_end_of_a_message_flow_carries_the_flow_message() -> None:
    defs = parse(MODEL)
    take = defs.processes["shop"].elements["take_order"]
    assert isinstance(take, ReceiveTask) and take.message_ref == "order_flow"
    assert "order_flow" in defs.messages
    confirmed = defs.processes["customer"].elements["confirmed"]
    (definition,) = confirmed.event_definitions  # type: ignore[attr-defined]
    assert isinstance(definition, MessageEventDefinition)
    assert definition.message_ref == "m_confirm"


def test_starting_a_collaboration_runs_its_pools_and_they_talk() -> None:
    rt = LocalRuntime(FakeClock())
    rt.deploy(MODEL)
    assert rt.collaboration_ids() == ["trade"]
    ids = rt.start_collaboration("trade", {"item": "book"})
    assert len(ids) == 2
    statuses = {rt.instance(i).process_id: rt.instance(i).status for i in ids}
    assert statuses == {"shop": "completed", "customer": "active"}
    (task,) = [t for i in ids for t in rt.tasks(i)]
    assert task.element_id == "unpack" and task.variables["item"] == "book"


def test_an_unknown_collaboration_is_refused() -> None:
    rt = LocalRuntime(FakeClock())
    rt.deploy(MODEL)
    with pytest.raises(NotFoundError, match="no collaboration 'market'"):
        rt.start_collaboration("market")


def collaboration_scenario(tmp_path: Path, process: str | None, steps: str) -> Path:
    (tmp_path / "trade.bpmn").write_text(MODEL, encoding="utf-8")
    path = tmp_path / "trade.yaml"
    path.write_text(
        "model: trade.bpmn\n"
        + (f"process: {process}\n" if process else "")
        + "start: {variables: {item: book}}\nsteps:\n"
        + steps,
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("process", ["trade", None])
def test_a_scenario_starts_the_collaboration_and_drives_every_pool(
    tmp_path: Path, process: str | None
) -> None:
    steps = (
        "  - expect: {state: active, waiting_at: [unpack], passed: [take_order, confirm]}\n"
        "  - complete: unpack\n"
        "  - expect: {state: completed, passed: [order, confirmed, unpack], "
        "variables: {item: book}}\n"
    )
    result = run_scenario(collaboration_scenario(tmp_path, process, steps))
    assert result.passed, result.reason


def test_a_scenario_of_a_collaboration_fails_when_a_pool_is_not_done(tmp_path: Path) -> None:
    steps = "  - expect: {state: completed}\n"
    result = run_scenario(collaboration_scenario(tmp_path, "trade", steps))
    assert not result.passed
    assert "state is active, expected completed" in result.reason
    assert "waiting at unpack" in result.reason
