"""Parsing BPMN files into the model: Camunda 8 and 7 extensions, every element kind,
safety against hostile XML and errors that name file, line and element."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from regista.bpmn import BpmnParseError, parse, parse_file
from regista.model.bpmn import (
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    CancelEventDefinition,
    CompensateEventDefinition,
    ComplexGateway,
    ConditionalEventDefinition,
    DataObject,
    EndEvent,
    ErrorEventDefinition,
    EscalationEventDefinition,
    EventBasedGateway,
    ExclusiveGateway,
    Expression,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    IoParameter,
    JobDefinition,
    LinkEventDefinition,
    ManualTask,
    MessageEventDefinition,
    MultiInstance,
    ParallelGateway,
    ReceiveTask,
    ScriptTask,
    SendTask,
    ServiceTask,
    SignalEventDefinition,
    StandardLoop,
    StartEvent,
    SubProcess,
    Task,
    TerminateEventDefinition,
    TimerEventDefinition,
    Transaction,
    UserTask,
)

MODELS = Path(__file__).parent / "models"


def feel(text: str) -> Expression:
    return Expression(text, "feel")


def literal(text: str) -> Expression:
    return Expression(text, "literal")


# --- Camunda 8 --------------------------------------------------------------------------


def test_camunda8_order() -> None:
    defs = parse_file(MODELS / "c8_order.bpmn")
    assert defs.id == "Definitions_1ab2c3"
    assert defs.execution_platform == "Camunda Cloud"
    process = defs.processes["order"]
    assert process.name == "Order fulfilment"
    assert process.version_tag == "v3"
    assert process.documentation == "Takes an order from payment to shipping."
    assert process.start_events == ("StartEvent_1",)

    charge = process.elements["charge"]
    assert isinstance(charge, ServiceTask)
    assert charge.job == JobDefinition(type=literal("payment"), retries=literal("5"))
    assert charge.headers == (("provider", "stripe"),)
    assert charge.inputs == (
        IoParameter(feel("order.total"), "amount"),
        IoParameter(literal("EUR"), "currency"),
    )
    assert charge.outputs == (IoParameter(feel("transactionId"), "paymentId"),)
    assert charge.properties == {"owner": "payments"}
    assert charge.extensions == {"sla": "PT1H"}
    assert charge.documentation == "Calls the payment provider."
    assert charge.boundary_events == ("card_declined",)
    assert charge.incoming == ("Flow_start",) and charge.outgoing == ("Flow_to_gw",)
    assert charge.line == 15

    gateway = process.elements["big_order"]
    assert isinstance(gateway, ExclusiveGateway)
    assert gateway.default == "Flow_small"
    assert process.flows["Flow_small"].is_default
    assert process.flows["Flow_big"].condition == feel("order.total > 1000")
    assert process.flows["Flow_big"].name == "yes"

    approve = process.elements["approve"]
    assert isinstance(approve, UserTask)
    assert approve.assignee == feel("order.manager")
    assert approve.candidate_groups == literal("managers, sales")
    assert approve.candidate_users == feel("reviewers")
    assert approve.due_date == feel('now() + duration("P2D")')
    assert approve.follow_up_date == literal("2030-01-01T09:00:00Z")
    assert approve.form_id == "approve-form"
    assert approve.priority == feel("if total > 1000 then 80 else 50")

    remind = process.elements["remind"]
    assert isinstance(remind, BoundaryEvent)
    assert remind.attached_to == "approve" and not remind.cancel_activity
    assert remind.definition == TimerEventDefinition(
        id="TimerEventDefinition_1", time_cycle=literal("R3/PT1H")
    )
    declined = process.elements["card_declined"]
    assert isinstance(declined, BoundaryEvent) and declined.cancel_activity
    assert declined.definition == ErrorEventDefinition(
        id="ErrorEventDefinition_1", error_ref="Error_declined"
    )
    assert defs.errors["Error_declined"].code == literal("CARD_DECLINED")

    send = process.elements["send_reminder"]
    assert isinstance(send, SendTask)
    assert send.job is not None and send.job.type == feel('"mail-" + channel')

    score = process.elements["score"]
    assert isinstance(score, ScriptTask)
    assert (score.script_format, score.script, score.result_variable) == (
        "feel",
        "order.total * 0.1",
        "score",
    )
    rules = process.elements["shipping_rules"]
    assert isinstance(rules, BusinessRuleTask)
    assert rules.decision_id == literal("carrier") and rules.result_variable == "carrier"

    pack = process.elements["pack_items"]
    assert isinstance(pack, SubProcess) and not pack.triggered_by_event
    assert pack.children == ("pack_start", "pack_one", "pack_end")
    assert pack.start_events == ("pack_start",)
    assert pack.loop == MultiInstance(
        input_collection=feel("order.items"),
        input_element="item",
        output_collection="packed",
        output_element=feel("parcel"),
        completion_condition=feel("numberOfCompletedInstances >= 10"),
    )
    call = process.elements["pack_one"]
    assert isinstance(call, CallActivity)
    assert call.parent == "pack_items"
    assert call.called_element == literal("packing")
    assert not call.propagate_all_child_variables and call.propagate_all_parent_variables
    assert process.flows["Flow_p1"].parent == "pack_items"

    wait = process.elements["wait_pickup"]
    assert isinstance(wait, IntermediateCatchEvent)
    assert wait.definition == MessageEventDefinition(
        id="MessageEventDefinition_1", message_ref="Message_pickup"
    )
    message = defs.messages["Message_pickup"]
    assert message.name == literal("parcel-picked-up")
    assert message.correlation_key == feel("order.id")

    merge = process.elements["merge"]
    assert merge.incoming == ("Flow_small", "Flow_approved")
    # The association to a text annotation is not between flow nodes: not modelled.
    assert process.associations == {}
    assert len(defs.diagrams) == 1 and "charge" in defs.diagrams[0].shapes
    assert defs.diagrams[0].shapes["big_order"].label is not None
    assert defs.problems == ()


# --- Camunda 7 --------------------------------------------------------------------------


def test_camunda7_invoice() -> None:
    defs = parse_file(MODELS / "c7_invoice.bpmn")
    process = defs.processes["invoice"]
    assert process.version_tag == "V1.0"
    (collaboration,) = defs.collaborations
    assert collaboration.participants[0].process_ref == "invoice"
    assert [lane.id for lane in process.lanes] == ["lane_team", "lane_approver", "lane_accounting"]
    assert "review_gw" in process.lanes[0].flow_node_refs

    start = process.elements["received"]
    assert isinstance(start, StartEvent)
    assert start.form_key == "embedded:app:forms/start-form.html"
    assert start.initiator == "starter"

    rules = process.elements["assign_approver"]
    assert isinstance(rules, BusinessRuleTask)
    assert rules.decision_id == literal("invoice-assign-approver")
    assert rules.result_variable == "approverGroups"
    assert rules.map_decision_result == "collectEntries"
    assert rules.async_before and not rules.async_after

    approve = process.elements["approve_invoice"]
    assert isinstance(approve, UserTask)
    assert approve.assignee == feel("starter")
    assert approve.candidate_groups == feel("approverGroups")
    assert approve.due_date == literal("2030-12-31T23:59:59")
    assert approve.form_key == "embedded:app:forms/approve-invoice.html"
    assert approve.inputs == (
        IoParameter(feel("amount * 1.2"), "total"),
        IoParameter(feel('"Invoice " + string(invoiceNumber)'), "label"),
        IoParameter(feel('["demo", creditor]'), "reviewers"),
        IoParameter(feel('{"low": "100", "high": limit}'), "limits"),
    )
    assert approve.outputs == (IoParameter(feel("approved"), "wasApproved"),)
    assert approve.properties == {"priority": "high"}
    assert approve.loop == MultiInstance(
        is_sequential=True,
        input_collection=feel("approvers"),
        input_element="approver",
        completion_condition=feel("nrOfCompletedInstances = 2 or rejected"),
    )

    assert process.flows["flow_yes"].condition == feel("approved")
    assert process.flows["flow_no"].condition == feel(
        'not(approved) and amount > 1000 and category != "travel"'
    )
    assert process.flows["flow_review_again"].condition == feel('clarified = "yes"')
    assert process.flows["flow_give_up"].is_default

    review = process.elements["review_invoice"]
    assert isinstance(review, UserTask)
    assert review.assignee == literal("demo")
    assert review.candidate_users == literal("demo, mary")
    assert review.follow_up_date == feel("followUp")

    transfer = process.elements["prepare_transfer"]
    assert isinstance(transfer, ServiceTask)
    assert transfer.job == JobDefinition(type=literal("bank-transfer"))
    assert transfer.async_after

    archive = process.elements["archive"]
    assert isinstance(archive, CallActivity)
    assert archive.called_element == literal("archiving")
    assert (archive.binding, archive.version) == ("version", "2")
    assert archive.inputs == (
        IoParameter(feel("invoiceDocument"), "document"),
        IoParameter(feel("amount + 10"), "fee"),
    )
    assert archive.outputs == (IoParameter(feel("archiveId"), "archiveId"),)
    # Camunda 7 semantics: only `camunda:out variables="all"` propagates everything back.
    assert archive.propagate_all_child_variables
    assert not archive.propagate_all_parent_variables

    failed = process.elements["archive_failed"]
    assert isinstance(failed, BoundaryEvent)
    assert failed.definition == ErrorEventDefinition(
        error_ref="error_archive", error_code_variable="code", error_message_variable="why"
    )
    notify = process.elements["notify_each"]
    assert isinstance(notify, SendTask) and notify.job == JobDefinition(type=literal("notify"))
    assert defs.diagrams[0].plane_element == "Collaboration_invoice"


# --- every element kind -------------------------------------------------------------------


def test_every_element_kind() -> None:
    defs = parse_file(MODELS / "all_elements.bpmn")
    process = defs.processes["everything"]
    kinds = {
        "t_task": Task,
        "t_user": UserTask,
        "t_manual": ManualTask,
        "t_service": ServiceTask,
        "t_send": SendTask,
        "t_receive": ReceiveTask,
        "t_script": ScriptTask,
        "t_rules": BusinessRuleTask,
        "t_call": CallActivity,
        "g_exclusive": ExclusiveGateway,
        "g_inclusive": InclusiveGateway,
        "g_parallel": ParallelGateway,
        "g_event": EventBasedGateway,
        "g_complex": ComplexGateway,
        "sub": SubProcess,
        "tx": Transaction,
        "th_none": IntermediateThrowEvent,
        "c_link": IntermediateCatchEvent,
        "e_none": EndEvent,
    }
    for element_id, kind in kinds.items():
        assert type(process.elements[element_id]) is kind, element_id

    def definition(element_id: str) -> object:
        node = process.elements[element_id]
        assert isinstance(node, StartEvent | EndEvent | BoundaryEvent) or hasattr(
            node, "definition"
        )
        return getattr(node, "definition", None)

    assert definition("start_message") == MessageEventDefinition(message_ref="msg_start")
    assert definition("start_timer") == TimerEventDefinition(
        time_date=literal("2030-01-01T00:00:00Z")
    )
    assert definition("start_signal") == SignalEventDefinition(signal_ref="sig_alarm")
    assert definition("start_conditional") == ConditionalEventDefinition(
        condition=feel("ready = true")
    )
    assert definition("b_error_any") == ErrorEventDefinition()
    assert definition("b_escalation") == EscalationEventDefinition(escalation_ref="esc_late")
    assert definition("c_link") == LinkEventDefinition(name="jump")
    assert definition("th_compensation") == CompensateEventDefinition(activity_ref="t_charge")
    assert definition("e_terminate") == TerminateEventDefinition()
    assert definition("tx_cancel") == CancelEventDefinition()
    assert definition("b_cancel") == CancelEventDefinition()

    compensation = process.elements["b_compensation"]
    assert isinstance(compensation, BoundaryEvent)
    assert compensation.compensation_handler == "t_refund"
    refund = process.elements["t_refund"]
    assert isinstance(refund, ServiceTask) and refund.is_for_compensation

    script = process.elements["t_script"]
    assert isinstance(script, ScriptTask) and script.script_format == "python"
    assert script.script == 'total = sum(item["price"] for item in items)'
    rules = process.elements["t_rules"]
    assert isinstance(rules, BusinessRuleTask)
    assert rules.decision_id == feel("decisionName") and rules.binding == "deployment"
    call = process.elements["t_call"]
    assert isinstance(call, CallActivity)
    assert (call.binding, call.version) == ("versionTag", "v2")
    loop = process.elements["t_loop"]
    assert isinstance(loop, Task)
    assert loop.loop == StandardLoop(
        loop_condition=feel("count < 5"), test_before=True, loop_maximum=5
    )
    cardinality = process.elements["t_cardinality"]
    assert isinstance(cardinality, Task) and isinstance(cardinality.loop, MultiInstance)
    assert cardinality.loop.loop_cardinality == feel("3")
    assert cardinality.loop.is_sequential

    # An unmarked condition is FEEL by default, a `language` attribute wins.
    assert process.flows["f_g2"].condition == feel("amount > 10")
    assert process.flows["f_g4"].condition == Expression("amount > 100", "python")
    python_default = parse_file(MODELS / "all_elements.bpmn", expression_language="python")
    assert python_default.processes["everything"].flows["f_g2"].condition == Expression(
        "amount > 10", "python"
    )

    assert process.start_events == (
        "start_none",
        "start_message",
        "start_timer",
        "start_signal",
        "start_conditional",
    )
    assert process.event_subprocesses == ("on_error",)
    sub = process.elements["sub"]
    assert isinstance(sub, SubProcess)
    assert sub.event_subprocesses == ("sub_events",)
    inner = process.elements["sub_events_start"]
    assert isinstance(inner, StartEvent) and not inner.is_interrupting
    assert inner.parent == "sub_events"
    assert process.data_objects["dor_order"] == DataObject(
        id="dor_order", name="Order [new]", kind="reference", parent="everything", ref="do_order"
    )
    assert defs.messages["msg_notice"].name == feel('"notice-" + kind')
    assert defs.item_definitions["item_order"].structure_ref == "Order"
    assert process.elements["t_user"].extensions == {"sla": "P1D"}


def test_model_is_immutable_hashable_and_picklable() -> None:
    defs = parse_file(MODELS / "c8_order.bpmn")
    process = defs.processes["order"]
    with pytest.raises(TypeError):
        process.elements["x"] = process.elements["charge"]
    with pytest.raises(AttributeError):
        process.name = "other"  # type: ignore[misc]
    assert hash(process) == hash(parse_file(MODELS / "c8_order.bpmn").processes["order"])
    assert pickle.loads(pickle.dumps(defs)) == defs


# --- inputs and errors -----------------------------------------------------------------------

MINIMAL = (
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<process id="p"><startEvent id="s"/></process></definitions>'
)


def test_sources_bytes_text_and_path(tmp_path: Path) -> None:
    path = tmp_path / "m.bpmn"
    path.write_text(MINIMAL)
    from_text = parse(MINIMAL)
    assert from_text == parse(MINIMAL.encode()) == parse(str(path)) == parse(path)
    assert parse(path).file == str(path)
    declared = '<?xml version="1.0" encoding="ISO-8859-1"?>' + MINIMAL
    assert parse(declared) == from_text


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.bpmn"
    path.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<process>\n'
    )
    with pytest.raises(BpmnParseError) as info:
        parse_file(path)
    assert info.value.file == str(path)
    assert info.value.line is not None and info.value.line >= 2
    assert "malformed XML" in str(info.value)


def test_missing_file() -> None:
    with pytest.raises(BpmnParseError, match="cannot read"):
        parse_file(MODELS / "no-such-file.bpmn")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ('<definitions xmlns="http://example.com/other"/>', "its namespace is"),
        ("<definitions/>", "it has no namespace"),
        ('<process xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "root element is"),
        (
            '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'
            ' xmlns:b="http://www.omg.org/spec/BPMN/20100524/MODEL"><b:process id="p">',
            "malformed",
        ),
    ],
)
def test_not_bpmn(xml: str, message: str) -> None:
    with pytest.raises(BpmnParseError, match=message):
        parse(xml)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="&lol3;"/>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" name="&secret;"/>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_unsafe_xml_is_refused(xml: bytes) -> None:
    with pytest.raises(BpmnParseError, match="DOCTYPE"):
        parse(xml)


def test_doctype_after_a_long_prolog_is_refused() -> None:
    padded = (
        b'<?xml version="1.0"?><!--'
        + b"x" * 70000
        + b"--><!DOCTYPE definitions>"
        + MINIMAL.encode()
    )
    with pytest.raises(BpmnParseError, match="DOCTYPE"):
        parse(padded)


def test_utf16_doctype_is_refused() -> None:
    with pytest.raises(BpmnParseError, match="DOCTYPE"):
        parse(EXTERNAL_ENTITY.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"))


def test_size_limit(tmp_path: Path) -> None:
    with pytest.raises(BpmnParseError, match="more than the limit"):
        parse(MINIMAL.encode(), max_bytes=50)
    path = tmp_path / "big.bpmn"
    path.write_text(MINIMAL + " " * 200)
    with pytest.raises(BpmnParseError, match="max_bytes"):
        parse_file(path, max_bytes=100)


def test_strict_parse_reports_every_problem_at_once() -> None:
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d">
    <process id="p">
      <startEvent id="s"/>
      <task/>
      <task id="s"/>
      <sequenceFlow id="f" sourceRef="s" targetRef="s">
        <conditionExpression xsi:type="tFormalExpression">${bean.check()}</conditionExpression>
      </sequenceFlow>
    </process></definitions>"""
    with pytest.raises(BpmnParseError) as info:
        parse(xml, file="p.bpmn")
    error = info.value
    assert len(error.problems) == 3
    assert "3 problems" in str(error)
    messages = {(p.element_id, p.line): p.message for p in error.problems}
    assert any("has no id" in m for m in messages.values())
    assert messages[("s", 6)].startswith("the id 's' is used twice (first on line 4)")
    assert "bean.check()" in messages[("f", 8)] and "method call" in messages[("f", 8)]
    assert all(p.file == "p.bpmn" for p in error.problems)

    lenient = parse(xml, strict=False)
    assert len(lenient.problems) == 2  # the JUEL one is reported by validate()
    condition = lenient.processes["p"].flows["f"].condition
    assert condition == Expression("${bean.check()}", "juel")
