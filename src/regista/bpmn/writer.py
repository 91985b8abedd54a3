"""Generating BPMN 2.0 XML from the model.

Semantic XML with Camunda 8 (`zeebe:`) extensions, the few Camunda 7 attributes Zeebe has
no word for, and BPMN DI — the parsed diagram when it still covers every element, else a
generated left-to-right layout — so a modeler opens it. `regista.bpmn.export.to_xml`
decides when a model is generated rather than written back into its own file; the
element writers here also serve `regista.bpmn.merge` for the elements it writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from regista.bpmn.diagram import write_diagram
from regista.bpmn.expressions import format_formal, format_value
from regista.bpmn.layout import diagrams_for
from regista.bpmn.namespaces import (
    BPMN,
    BPMNDI,
    CAMUNDA,
    DC,
    DI,
    MODELER,
    REGISTA,
    XSI,
    ZEEBE,
    q,
)
from regista.model.bpmn import (
    Activity,
    AdHocSubProcess,
    BaseElement,
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    CancelEventDefinition,
    Collaboration,
    CompensateEventDefinition,
    ComplexGateway,
    ConditionalEventDefinition,
    DataObject,
    Definitions,
    EndEvent,
    Error,
    ErrorEventDefinition,
    Escalation,
    EscalationEventDefinition,
    Event,
    EventBasedGateway,
    EventDefinition,
    ExclusiveGateway,
    Expression,
    FlowNode,
    Gateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    IoParameter,
    ItemDefinition,
    Lane,
    LinkEventDefinition,
    ManualTask,
    Message,
    MessageEventDefinition,
    MultiInstance,
    ParallelGateway,
    Process,
    ReceiveTask,
    ScriptTask,
    SendTask,
    SequenceFlow,
    ServiceTask,
    Signal,
    SignalEventDefinition,
    StandardLoop,
    StartEvent,
    SubProcess,
    Task,
    TerminateEventDefinition,
    TimerEventDefinition,
    Transaction,
    UnsupportedNode,
    UserTask,
)
from regista.version import __version__

__all__ = [
    "generate",
    "write_collaboration",
    "write_flow",
    "write_node",
    "write_process",
    "write_root_item",
]

Element = etree._Element

_NSMAP: dict[str, str] = {
    "bpmn": BPMN,
    "bpmndi": BPMNDI,
    "dc": DC,
    "di": DI,
    "xsi": XSI,
    "zeebe": ZEEBE,
    "modeler": MODELER,
    "camunda": CAMUNDA,
    "regista": REGISTA,
}

_TAGS: dict[type[FlowNode], str] = {
    Task: "task",
    ManualTask: "manualTask",
    ServiceTask: "serviceTask",
    SendTask: "sendTask",
    ReceiveTask: "receiveTask",
    UserTask: "userTask",
    ScriptTask: "scriptTask",
    BusinessRuleTask: "businessRuleTask",
    CallActivity: "callActivity",
    SubProcess: "subProcess",
    Transaction: "transaction",
    AdHocSubProcess: "adHocSubProcess",
    StartEvent: "startEvent",
    EndEvent: "endEvent",
    IntermediateCatchEvent: "intermediateCatchEvent",
    IntermediateThrowEvent: "intermediateThrowEvent",
    BoundaryEvent: "boundaryEvent",
    ExclusiveGateway: "exclusiveGateway",
    InclusiveGateway: "inclusiveGateway",
    ParallelGateway: "parallelGateway",
    EventBasedGateway: "eventBasedGateway",
    ComplexGateway: "complexGateway",
}

_DEFINITION_TAGS: dict[type[EventDefinition], str] = {
    MessageEventDefinition: "messageEventDefinition",
    TimerEventDefinition: "timerEventDefinition",
    SignalEventDefinition: "signalEventDefinition",
    ErrorEventDefinition: "errorEventDefinition",
    EscalationEventDefinition: "escalationEventDefinition",
    ConditionalEventDefinition: "conditionalEventDefinition",
    LinkEventDefinition: "linkEventDefinition",
    CompensateEventDefinition: "compensateEventDefinition",
    TerminateEventDefinition: "terminateEventDefinition",
    CancelEventDefinition: "cancelEventDefinition",
}


def generate(definitions: Definitions) -> bytes:
    """Generate BPMN XML (with BPMN DI) for `definitions`, ignoring any source it has."""
    root = etree.Element(q(BPMN, "definitions"), nsmap=_NSMAP)
    _set(root, "id", definitions.id)
    _set(root, "name", definitions.name)
    _set(root, "targetNamespace", definitions.target_namespace or "http://bpmn.io/schema/bpmn")
    root.set("exporter", "Regista")
    root.set("exporterVersion", __version__)
    _set(root, q(MODELER, "executionPlatform"), definitions.execution_platform)
    _set(root, q(MODELER, "executionPlatformVersion"), definitions.execution_platform_version)

    items: tuple[RootItem, ...] = (
        *definitions.item_definitions.values(),
        *definitions.messages.values(),
        *definitions.errors.values(),
        *definitions.escalations.values(),
        *definitions.signals.values(),
    )
    for item in items:
        write_root_item(root, item)
    for collaboration in definitions.collaborations:
        _write_collaboration(root, collaboration)
    for process in definitions.processes.values():
        _write_process(root, process)
    for index, diagram in enumerate(diagrams_for(definitions), start=1):
        write_diagram(root, diagram, index)
    etree.cleanup_namespaces(root)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


RootItem = ItemDefinition | Message | Error | Escalation | Signal


def write_root_item(root: Element, item: RootItem) -> Element | None:
    """Append a message, error, escalation, signal or item definition to `root`; None for
    an error the file never declared (an `errorRef` naming no `<error>`)."""
    if isinstance(item, ItemDefinition):
        el = _bpmn(root, "itemDefinition", id=item.id, structureRef=item.structure_ref)
        _set(el, "itemKind", item.item_kind)
        _flag(el, "isCollection", item.is_collection, False)
    elif isinstance(item, Message):
        el = _bpmn(root, "message", id=item.id)
        if item.name is not None:
            el.set("name", format_value(item.name))
        if item.correlation_key is not None:
            ext = _bpmn(el, "extensionElements")
            etree.SubElement(
                ext, q(ZEEBE, "subscription"), correlationKey=format_value(item.correlation_key)
            )
    elif isinstance(item, Error):
        if item.implicit:
            return None
        el = _bpmn(root, "error", id=item.id, name=item.name)
        if item.code is not None:
            el.set("errorCode", format_value(item.code))
    elif isinstance(item, Escalation):
        el = _bpmn(root, "escalation", id=item.id, name=item.name)
        if item.code is not None:
            el.set("escalationCode", format_value(item.code))
    else:
        el = _bpmn(root, "signal", id=item.id)
        if item.name is not None:
            el.set("name", format_value(item.name))
    return el


def write_node(parent: Element, node: FlowNode, process: Process) -> Element:
    """Append the flow node `node` (a subprocess with its content) to `parent`."""
    _write_node(parent, node, process)
    return parent[-1]


def write_flow(parent: Element, flow: SequenceFlow) -> Element:
    """Append the sequence flow `flow` to `parent`."""
    _write_flow(parent, flow)
    return parent[-1]


def write_process(root: Element, process: Process) -> Element:
    """Append the process with everything in it to `root`."""
    _write_process(root, process)
    return root[-1]


def write_collaboration(root: Element, collaboration: Collaboration) -> Element:
    """Append a collaboration (pools and message flows) to `root`."""
    _write_collaboration(root, collaboration)
    return root[-1]


# --- helpers -----------------------------------------------------------------------------


def _set(el: Element, name: str, value: str | None) -> None:
    if value is not None:
        el.set(name, value)


def _flag(el: Element, name: str, value: bool, default: bool) -> None:
    if value != default:
        el.set(name, "true" if value else "false")


def _bpmn(parent: Element, local: str, **attrs: str | None) -> Element:
    el = etree.SubElement(parent, q(BPMN, local))
    for key, value in attrs.items():
        _set(el, key, value)
    return el


def _zeebe(local: str, **attrs: str | None) -> Element:
    el = etree.Element(q(ZEEBE, local))
    for key, value in attrs.items():
        _set(el, key, value)
    return el


def _value(expression: Expression | None) -> str | None:
    return format_value(expression) if expression is not None else None


def _formal(parent: Element, local: str, expression: Expression | None) -> None:
    if expression is None:
        return
    text, language = format_formal(expression)
    el = _bpmn(parent, local)
    el.set(q(XSI, "type"), "bpmn:tFormalExpression")
    _set(el, "language", language)
    el.text = text


def _open(parent: Element, local: str, element: BaseElement) -> tuple[Element, list[Element]]:
    """Start writing `element`: id, name, `regista:` attributes and documentation; the
    caller adds extension items to the returned list and calls `_close`."""
    el = _bpmn(parent, local, id=element.id, name=element.name)
    for key, value in element.extensions.items():
        el.set(q(REGISTA, key), value)
    if element.documentation is not None:
        _bpmn(el, "documentation").text = element.documentation
    ext: list[Element] = []
    if element.properties:
        props = _zeebe("properties")
        for key, value in element.properties.items():
            props.append(_zeebe("property", name=key, value=value))
        ext.append(props)
    return el, ext


def _close(el: Element, ext: list[Element]) -> None:
    """Insert the gathered extension items right after the documentation."""
    if not ext:
        return
    container = etree.Element(q(BPMN, "extensionElements"))
    container.extend(ext)
    position = len(el.findall(q(BPMN, "documentation")))
    el.insert(position, container)


def _io(ext: list[Element], inputs: Iterable[IoParameter], outputs: Iterable[IoParameter]) -> None:
    items = [_zeebe("input", source=format_value(p.source), target=p.target) for p in inputs]
    items += [_zeebe("output", source=format_value(p.source), target=p.target) for p in outputs]
    if items:
        mapping = _zeebe("ioMapping")
        mapping.extend(items)
        ext.append(mapping)


# --- processes ---------------------------------------------------------------------------


def _write_collaboration(root: Element, collaboration: Collaboration) -> None:
    el, ext = _open(root, "collaboration", collaboration)
    for participant in collaboration.participants:
        item, item_ext = _open(el, "participant", participant)
        _set(item, "processRef", participant.process_ref)
        _close(item, item_ext)
    for flow in collaboration.message_flows:
        item, item_ext = _open(el, "messageFlow", flow)
        item.set("sourceRef", flow.source)
        item.set("targetRef", flow.target)
        _set(item, "messageRef", flow.message_ref)
        _close(item, item_ext)
    _close(el, ext)


def _write_process(root: Element, process: Process) -> None:
    el, ext = _open(root, "process", process)
    el.set("isExecutable", "true" if process.is_executable else "false")
    if process.version_tag is not None:
        ext.append(_zeebe("versionTag", value=process.version_tag))
    if process.lanes:
        lane_set = _bpmn(el, "laneSet", id=f"LaneSet_{process.id}")
        for lane in process.lanes:
            _write_lane(lane_set, lane)
    _write_scope(el, process, process.id)
    _close(el, ext)


def _write_lane(parent: Element, lane: Lane) -> None:
    el, ext = _open(parent, "lane", lane)
    for ref in lane.flow_node_refs:
        _bpmn(el, "flowNodeRef").text = ref
    if lane.child_lanes:
        nested = _bpmn(el, "childLaneSet", id=f"LaneSet_{lane.id}")
        for child_lane in lane.child_lanes:
            _write_lane(nested, child_lane)
    _close(el, ext)


def _write_scope(el: Element, process: Process, scope_id: str) -> None:
    for data in process.data_objects.values():
        if data.parent == scope_id:
            _write_data(el, data)
    for node in process.elements.values():
        if node.parent == scope_id:
            _write_node(el, node, process)
    for flow in process.flows.values():
        if flow.parent == scope_id:
            _write_flow(el, flow)
    for association in process.associations.values():
        if association.parent == scope_id:
            item, ext = _open(el, "association", association)
            item.set("sourceRef", association.source)
            item.set("targetRef", association.target)
            _set(item, "associationDirection", association.direction)
            _close(item, ext)


def _write_data(parent: Element, data: DataObject) -> None:
    tag = {
        "object": "dataObject",
        "reference": "dataObjectReference",
        "store": "dataStoreReference",
    }
    el, ext = _open(parent, tag[data.kind], data)
    if data.kind == "object":
        _set(el, "itemSubjectRef", data.item_subject_ref)
        _flag(el, "isCollection", data.is_collection, False)
    elif data.kind == "reference":
        _set(el, "dataObjectRef", data.ref)
    else:
        _set(el, "dataStoreRef", data.ref)
    _close(el, ext)


def _write_flow(parent: Element, flow: SequenceFlow) -> None:
    el, ext = _open(parent, "sequenceFlow", flow)
    el.set("sourceRef", flow.source)
    el.set("targetRef", flow.target)
    _formal(el, "conditionExpression", flow.condition)
    _close(el, ext)


def _write_node(parent: Element, node: FlowNode, process: Process) -> None:
    tag = node.tag if isinstance(node, UnsupportedNode) else _TAGS[type(node)]
    el, ext = _open(parent, tag, node)
    _flag(el, q(CAMUNDA, "asyncBefore"), node.async_before, False)
    _flag(el, q(CAMUNDA, "asyncAfter"), node.async_after, False)
    _io(ext, node.inputs, node.outputs)
    if isinstance(node, Activity | Event):
        _write_work(el, ext, node)
    if isinstance(node, Activity):
        _flag(el, "isForCompensation", node.is_for_compensation, False)
        _set(el, "default", node.default)
        _write_activity_attributes(el, ext, node)
    elif isinstance(node, Event):
        _write_event_attributes(el, ext, node)
    elif isinstance(node, Gateway):
        _set(el, "default", node.default)
        if isinstance(node, EventBasedGateway):
            _flag(el, "instantiate", node.instantiate, False)
            if node.event_gateway_type != "Exclusive":
                el.set("eventGatewayType", node.event_gateway_type)
    for flow_id in node.incoming:
        _bpmn(el, "incoming").text = flow_id
    for flow_id in node.outgoing:
        _bpmn(el, "outgoing").text = flow_id
    if isinstance(node, Activity):
        _write_loop(el, node.loop)
    if isinstance(node, Event):
        for definition in node.event_definitions:
            _write_definition(el, definition)
    if isinstance(node, ComplexGateway):
        _formal(el, "activationCondition", node.activation_condition)
    if isinstance(node, ScriptTask) and node.script_format != "feel" and node.script is not None:
        _bpmn(el, "script").text = node.script
    if isinstance(node, AdHocSubProcess):
        _formal(el, "completionCondition", node.completion_condition)
    if isinstance(node, SubProcess):
        _write_scope(el, process, node.id)
    _close(el, ext)


def _write_work(el: Element, ext: list[Element], node: Activity | Event) -> None:
    if node.job is not None:
        ext.append(
            _zeebe(
                "taskDefinition",
                type=format_value(node.job.type),
                retries=_value(node.job.retries),
            )
        )
        _set(el, q(CAMUNDA, "taskPriority"), _value(node.job.priority))
    if node.headers:
        headers = _zeebe("taskHeaders")
        for key, value in node.headers:
            headers.append(_zeebe("header", key=key, value=value))
        ext.append(headers)
    if node.delegate is not None:
        if node.delegate.kind == "connector":
            connector = etree.Element(q(CAMUNDA, "connector"))
            etree.SubElement(connector, q(CAMUNDA, "connectorId")).text = node.delegate.ref
            ext.append(connector)
        else:
            el.set(q(CAMUNDA, node.delegate.kind), node.delegate.ref)
            _set(el, q(CAMUNDA, "resultVariable"), node.delegate.result_variable)


def _write_activity_attributes(el: Element, ext: list[Element], node: Activity) -> None:
    if isinstance(node, SendTask | ReceiveTask):
        _set(el, "messageRef", node.message_ref)
    if isinstance(node, ReceiveTask):
        _flag(el, "instantiate", node.instantiate, False)
    if isinstance(node, UserTask):
        _write_user_task(ext, node)
    elif isinstance(node, ScriptTask):
        if node.script_format == "feel":
            ext.append(
                _zeebe(
                    "script",
                    expression="=" + (node.script or ""),
                    resultVariable=node.result_variable,
                )
            )
        else:
            _set(el, "scriptFormat", node.script_format)
            _set(el, q(CAMUNDA, "resultVariable"), node.result_variable)
    elif isinstance(node, BusinessRuleTask):
        _write_business_rule_task(el, ext, node)
    elif isinstance(node, CallActivity):
        zeebe_binding = node.binding if node.binding != "version" else None
        ext.append(
            _zeebe(
                "calledElement",
                processId=_value(node.called_element),
                propagateAllChildVariables=str(node.propagate_all_child_variables).lower(),
                propagateAllParentVariables=str(node.propagate_all_parent_variables).lower(),
                bindingType=zeebe_binding,
                versionTag=node.version if zeebe_binding else None,
            )
        )
        if node.binding == "version" or (node.binding is None and node.version is not None):
            _set(el, q(CAMUNDA, "calledElementBinding"), node.binding)
            _set(el, q(CAMUNDA, "calledElementVersion"), node.version)
    elif isinstance(node, SubProcess):
        _flag(el, "triggeredByEvent", node.triggered_by_event, False)
        if isinstance(node, Transaction):
            _set(el, "method", node.method)
        if isinstance(node, AdHocSubProcess):
            _set(el, "ordering", node.ordering)
            _flag(el, "cancelRemainingInstances", node.cancel_remaining_instances, True)


def _write_user_task(ext: list[Element], node: UserTask) -> None:
    if node.assignee or node.candidate_users or node.candidate_groups:
        ext.append(
            _zeebe(
                "assignmentDefinition",
                assignee=_value(node.assignee),
                candidateGroups=_value(node.candidate_groups),
                candidateUsers=_value(node.candidate_users),
            )
        )
    if node.due_date or node.follow_up_date:
        ext.append(
            _zeebe(
                "taskSchedule",
                dueDate=_value(node.due_date),
                followUpDate=_value(node.follow_up_date),
            )
        )
    if node.form_key or node.form_id:
        ext.append(_zeebe("formDefinition", formKey=node.form_key, formId=node.form_id))
    if node.priority is not None:
        ext.append(_zeebe("priorityDefinition", priority=_value(node.priority)))


def _write_business_rule_task(el: Element, ext: list[Element], node: BusinessRuleTask) -> None:
    zeebe_binding = node.binding if node.binding != "version" else None
    if node.decision_id is not None or node.result_variable is not None:
        ext.append(
            _zeebe(
                "calledDecision",
                decisionId=_value(node.decision_id),
                resultVariable=node.result_variable,
                bindingType=zeebe_binding,
                versionTag=node.version if zeebe_binding else None,
            )
        )
    if node.binding == "version" or (node.binding is None and node.version is not None):
        _set(el, q(CAMUNDA, "decisionRefBinding"), node.binding)
        _set(el, q(CAMUNDA, "decisionRefVersion"), node.version)
    _set(el, q(CAMUNDA, "mapDecisionResult"), node.map_decision_result)


def _write_event_attributes(el: Element, ext: list[Element], node: Event) -> None:
    _flag(el, "parallelMultiple", node.parallel_multiple, False)
    if isinstance(node, StartEvent):
        _flag(el, "isInterrupting", node.is_interrupting, True)
        _set(el, q(CAMUNDA, "initiator"), node.initiator)
        if node.form_key or node.form_id:
            ext.append(_zeebe("formDefinition", formKey=node.form_key, formId=node.form_id))
    elif isinstance(node, BoundaryEvent):
        el.set("attachedToRef", node.attached_to)
        _flag(el, "cancelActivity", node.cancel_activity, True)


def _write_loop(el: Element, loop: MultiInstance | StandardLoop | None) -> None:
    if isinstance(loop, MultiInstance):
        item = _bpmn(el, "multiInstanceLoopCharacteristics")
        _flag(item, "isSequential", loop.is_sequential, False)
        if any(
            (loop.input_collection, loop.input_element, loop.output_collection, loop.output_element)
        ):
            ext = _bpmn(item, "extensionElements")
            ext.append(
                _zeebe(
                    "loopCharacteristics",
                    inputCollection=_value(loop.input_collection),
                    inputElement=loop.input_element,
                    outputCollection=loop.output_collection,
                    outputElement=_value(loop.output_element),
                )
            )
        _formal(item, "loopCardinality", loop.loop_cardinality)
        _formal(item, "completionCondition", loop.completion_condition)
    elif isinstance(loop, StandardLoop):
        item = _bpmn(el, "standardLoopCharacteristics")
        _flag(item, "testBefore", loop.test_before, False)
        if loop.loop_maximum is not None:
            item.set("loopMaximum", str(loop.loop_maximum))
        _formal(item, "loopCondition", loop.loop_condition)


def _write_definition(parent: Element, definition: EventDefinition) -> None:
    el = _bpmn(parent, _DEFINITION_TAGS[type(definition)], id=definition.id)
    if isinstance(definition, MessageEventDefinition):
        _set(el, "messageRef", definition.message_ref)
    elif isinstance(definition, TimerEventDefinition):
        for local, value in (
            ("timeDate", definition.time_date),
            ("timeDuration", definition.time_duration),
            ("timeCycle", definition.time_cycle),
        ):
            if value is not None:
                item = _bpmn(el, local)
                item.set(q(XSI, "type"), "bpmn:tFormalExpression")
                item.text = format_value(value)
    elif isinstance(definition, SignalEventDefinition):
        _set(el, "signalRef", definition.signal_ref)
    elif isinstance(definition, ErrorEventDefinition):
        _set(el, "errorRef", definition.error_ref)
        _set(el, q(CAMUNDA, "errorCodeVariable"), definition.error_code_variable)
        _set(el, q(CAMUNDA, "errorMessageVariable"), definition.error_message_variable)
    elif isinstance(definition, EscalationEventDefinition):
        _set(el, "escalationRef", definition.escalation_ref)
    elif isinstance(definition, ConditionalEventDefinition):
        if definition.variable_names:
            el.set(q(CAMUNDA, "variableName"), ",".join(definition.variable_names))
        if definition.variable_events:
            el.set(q(CAMUNDA, "variableEvents"), ",".join(definition.variable_events))
        _formal(el, "condition", definition.condition)
    elif isinstance(definition, LinkEventDefinition):
        _set(el, "name", definition.name)
    elif isinstance(definition, CompensateEventDefinition):
        _set(el, "activityRef", definition.activity_ref)
        _flag(el, "waitForCompletion", definition.wait_for_completion, True)
