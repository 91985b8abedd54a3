"""Element handlers: the registry that turns each BPMN tag into a model element.

`HANDLERS` maps the local name of a flow node tag to a function building its model
element; `read_scope` walks a process or subprocess body with it. A new element kind is
supported by registering one more handler with `@handles("tagName")`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from regista.bpmn.expressions import JuelError, read_formal, read_value
from regista.bpmn.extensions import Extensions, read_extensions
from regista.bpmn.io_specification import output_mappings
from regista.bpmn.namespaces import BPMN, q
from regista.bpmn.reader import Element, Reader, child, children, line_of, local_name
from regista.model.bpmn import (
    AdHocSubProcess,
    Association,
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    CancelEventDefinition,
    CompensateEventDefinition,
    ComplexGateway,
    ConditionalEventDefinition,
    DataObject,
    Delegate,
    EndEvent,
    ErrorEventDefinition,
    EscalationEventDefinition,
    EventBasedGateway,
    EventDefinition,
    ExclusiveGateway,
    Expression,
    FlowNode,
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
    SequenceFlow,
    ServiceTask,
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
from regista.model.frozen import FrozenDict

__all__ = ["HANDLERS", "documentation", "handles", "read_scope"]

Handler = Callable[[Reader, Element, str], FlowNode]
EventDefinitionHandler = Callable[[Reader, Element], EventDefinition]

#: Flow node handlers by BPMN tag local name.
HANDLERS: dict[str, Handler] = {}
#: Event definition handlers by BPMN tag local name.
EVENT_DEFINITIONS: dict[str, EventDefinitionHandler] = {}

#: BPMN children of a process or subprocess that are not flow nodes.
_NOT_NODES = {
    "documentation",
    "extensionElements",
    "incoming",
    "outgoing",
    "laneSet",
    "ioSpecification",
    "property",
    "textAnnotation",
    "group",
    "auditing",
    "monitoring",
    "supports",
    "resourceRole",
    "performer",
    "humanPerformer",
    "potentialOwner",
    "correlationSubscription",
    "dataInputAssociation",
    "dataOutputAssociation",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "completionCondition",
}


def handles(*tags: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the flow node `tags`."""

    def register(handler: Handler) -> Handler:
        for tag in tags:
            HANDLERS[tag] = handler
        return handler

    return register


def _defines(tag: str) -> Callable[[EventDefinitionHandler], EventDefinitionHandler]:
    def register(handler: EventDefinitionHandler) -> EventDefinitionHandler:
        EVENT_DEFINITIONS[tag] = handler
        return handler

    return register


def read_scope(reader: Reader, el: Element, scope_id: str) -> None:
    """Read the flow nodes, flows and data of a process or subprocess body into `reader`."""
    for item in children(el, BPMN):
        tag = local_name(item)
        if tag == "sequenceFlow":
            reader.flows.append(_flow(reader, item, scope_id))
        elif tag == "association":
            reader.associations.append(_association(reader, item, scope_id))
        elif tag in ("dataObject", "dataObjectReference", "dataStoreReference"):
            reader.data_objects.append(_data_object(reader, item, scope_id))
        elif tag not in _NOT_NODES:
            slot = len(reader.nodes)
            reader.nodes.append(None)  # keeps a subprocess ahead of its children
            saved = reader.current_id
            reader.nodes[slot] = HANDLERS.get(tag, _unsupported)(reader, item, scope_id)
            reader.current_id = saved


def documentation(el: Element) -> str | None:
    """The text of the `<documentation>` children of `el` (joined), None if there is none."""
    texts = [d.text or "" for d in el.findall(q(BPMN, "documentation"))]
    return "\n".join(texts) if texts else None


def _base(
    reader: Reader, el: Element, ext: Extensions | None = None, element_id: str | None = None
) -> dict[str, Any]:
    element_id = element_id or reader.ident(el)
    reader.current_id = element_id
    if ext is None:
        ext = read_extensions(reader, el)
    return {
        "id": element_id,
        "name": el.get("name"),
        "documentation": documentation(el),
        "properties": FrozenDict(ext.properties),
        "extensions": FrozenDict(reader.regista_attributes(el)),
        "line": line_of(el),
    }


def _begin(reader: Reader, el: Element, parent: str) -> tuple[dict[str, Any], Extensions]:
    reader.current_id = el.get("id") or reader.current_id
    ext = read_extensions(reader, el)
    fields = _base(reader, el, ext)
    fields.update(
        parent=parent,
        inputs=tuple(ext.inputs),
        outputs=output_mappings(el, tuple(ext.outputs)),
        async_before=_true(reader.camunda(el, "asyncBefore"), False)
        or _true(reader.camunda(el, "async"), False),
        async_after=_true(reader.camunda(el, "asyncAfter"), False),
    )
    return fields, ext


def _job(reader: Reader, el: Element, ext: Extensions) -> JobDefinition | None:
    definition = ext.zeebe.get("taskDefinition")
    if definition is not None:
        task_type = reader.value(definition.get("type", ""), el, "job type")
        retries = reader.value(definition.get("retries"), el, "job retries")
        return JobDefinition(type=task_type or Expression.literal(""), retries=retries)
    # Flowable's external worker task is Camunda 7's external task under another name.
    if reader.camunda(el, "type") in ("external", "external-worker"):
        topic = reader.value(reader.camunda(el, "topic") or "", el, "external task topic")
        priority = reader.value(reader.camunda(el, "taskPriority"), el, "task priority")
        return JobDefinition(type=topic or Expression.literal(""), priority=priority)
    kind = reader.camunda(el, "type")
    if kind is not None and local_name(el) in ("serviceTask", "sendTask"):
        reader.problem(
            f"the task type {kind!r} (a built-in Java behaviour of Flowable/Activiti) is not "
            'supported; make it an external task (type="external" with a topic) and register '
            "a worker",
            el,
        )
    return None


def _delegate(reader: Reader, el: Element, ext: Extensions) -> Delegate | None:
    for kind in ("class", "delegateExpression", "expression"):
        ref = reader.camunda(el, kind)
        if ref is not None:
            result = reader.camunda(el, "resultVariable") if kind == "expression" else None
            value = _value_expression(ref) if kind == "expression" else None
            return Delegate(kind=kind, ref=ref, result_variable=result, value=value)
    if ext.connector_id is not None:
        return Delegate(kind="connector", ref=ext.connector_id)
    return None


def _value_expression(ref: str) -> Expression | None:
    """`camunda:expression` as a value when it calls no method (`${true}`, `${a + 1}`):
    the FEEL translation, else None (a JUEL method call needs Java)."""
    try:
        found = read_value(ref)
    except JuelError:
        return None
    return found if found.language == "feel" else None


def _activity(reader: Reader, el: Element, parent: str) -> tuple[dict[str, Any], Extensions]:
    fields, ext = _begin(reader, el, parent)
    fields.update(
        default=el.get("default"),
        loop=_loop(reader, el),
        is_for_compensation=reader.flag(el, "isForCompensation", False),
        job=_job(reader, el, ext),
        headers=tuple(ext.headers),
        delegate=_delegate(reader, el, ext),
    )
    return fields, ext


def _true(value: str | None, default: bool) -> bool:
    return default if value is None else value.strip().lower() == "true"


def _reference(reader: Reader, text: str | None, el: Element, what: str) -> Expression | None:
    """A value naming a variable when unmarked (Camunda 7 `collection="items"`)."""
    value = reader.value(text, el, what)
    if value is not None and value.language == "literal":
        return Expression(value.text.strip(), "feel")
    return value


def _text(el: Element | None) -> str | None:
    text = (el.text or "").strip() if el is not None else ""
    return text or None


def _item_name(el: Element | None) -> str | None:
    """The variable name of a multi-instance data item (`name`, else `id`)."""
    if el is None:
        return None
    return (el.get("name") or el.get("id") or "").strip() or None


def _loop(reader: Reader, el: Element) -> MultiInstance | StandardLoop | None:
    multi = child(el, "multiInstanceLoopCharacteristics")
    if multi is not None:
        zeebe = read_extensions(reader, multi).zeebe.get("loopCharacteristics", {})
        collection = zeebe.get("inputCollection", reader.camunda(multi, "collection"))
        # BPMN's own data references (SpiffWorkflow): the collection variable and the
        # item's name, for input and output.
        data_in = _text(child(multi, "loopDataInputRef"))
        data_out = _text(child(multi, "loopDataOutputRef"))
        item_in = _item_name(child(multi, "inputDataItem"))
        item_out = _item_name(child(multi, "outputDataItem"))
        input_collection = _reference(reader, collection, multi, "input collection")
        if input_collection is None and data_in:
            input_collection = Expression.feel(data_in)
        output_element = _reference(reader, zeebe.get("outputElement"), multi, "output element")
        if output_element is None and item_out:
            output_element = Expression.feel(item_out)
        return MultiInstance(
            is_sequential=reader.flag(multi, "isSequential", False),
            loop_cardinality=reader.formal(child(multi, "loopCardinality"), "loop cardinality"),
            input_collection=input_collection,
            input_element=zeebe.get("inputElement", reader.camunda(multi, "elementVariable"))
            or item_in,
            output_collection=zeebe.get("outputCollection") or data_out,
            output_element=output_element,
            completion_condition=reader.formal(
                child(multi, "completionCondition"), "completion condition"
            ),
        )
    standard = child(el, "standardLoopCharacteristics")
    if standard is not None:
        maximum = standard.get("loopMaximum")
        return StandardLoop(
            loop_condition=reader.formal(child(standard, "loopCondition"), "loop condition"),
            test_before=reader.flag(standard, "testBefore", False),
            loop_maximum=int(maximum) if maximum and maximum.strip().isdigit() else None,
        )
    return None


# --- activities --------------------------------------------------------------------------


@handles("task")
def _task(reader: Reader, el: Element, parent: str) -> FlowNode:
    return Task(**_activity(reader, el, parent)[0])


@handles("manualTask")
def _manual_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    return ManualTask(**_activity(reader, el, parent)[0])


@handles("serviceTask")
def _service_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    return ServiceTask(**_activity(reader, el, parent)[0])


@handles("sendTask")
def _send_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    return SendTask(**_activity(reader, el, parent)[0], message_ref=reader.ref(el, "messageRef"))


@handles("receiveTask")
def _receive_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    return ReceiveTask(
        **_activity(reader, el, parent)[0],
        message_ref=reader.ref(el, "messageRef"),
        instantiate=reader.flag(el, "instantiate", False),
    )


@handles("userTask")
def _user_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, ext = _activity(reader, el, parent)
    assignment = ext.zeebe.get("assignmentDefinition", {})
    schedule = ext.zeebe.get("taskSchedule", {})
    form = ext.zeebe.get("formDefinition", {})
    priority = ext.zeebe.get("priorityDefinition", {}).get("priority")

    def value(zeebe: str | None, camunda: str, what: str) -> Expression | None:
        return reader.value(zeebe or reader.camunda(el, camunda), el, what)

    return UserTask(
        **fields,
        assignee=value(assignment.get("assignee"), "assignee", "assignee"),
        candidate_users=value(
            assignment.get("candidateUsers"), "candidateUsers", "candidate users"
        ),
        candidate_groups=value(
            assignment.get("candidateGroups"), "candidateGroups", "candidate groups"
        ),
        due_date=value(schedule.get("dueDate"), "dueDate", "due date"),
        follow_up_date=value(schedule.get("followUpDate"), "followUpDate", "follow-up date"),
        priority=value(priority, "priority", "priority"),
        form_key=form.get("formKey")
        or form.get("externalReference")
        or reader.camunda(el, "formKey"),
        form_id=form.get("formId") or reader.camunda(el, "formRef"),
    )


@handles("scriptTask")
def _script_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, ext = _activity(reader, el, parent)
    zeebe = ext.zeebe.get("script")
    if zeebe is not None:
        text = zeebe.get("expression", "").strip()
        return ScriptTask(
            **fields,
            script_format="feel",
            script=text[1:].strip() if text.startswith("=") else text,
            result_variable=zeebe.get("resultVariable"),
        )
    if reader.camunda(el, "resource"):
        reader.problem(
            "the script is loaded from an external resource, which is not supported; "
            "write the script inline",
            el,
        )
    script = child(el, "script")
    script_format = (el.get("scriptFormat") or "").strip().lower() or None
    body = (script.text or "") if script is not None else None
    return ScriptTask(
        **fields,
        script_format=script_format,
        script=body.strip() if body is not None and script_format == "feel" else body,
        result_variable=reader.camunda(el, "resultVariable"),
    )


@handles("businessRuleTask")
def _business_rule_task(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, ext = _activity(reader, el, parent)
    zeebe = ext.zeebe.get("calledDecision", {})
    decision = zeebe.get("decisionId", reader.camunda(el, "decisionRef"))
    return BusinessRuleTask(
        **fields,
        decision_id=reader.value(decision, el, "decision id"),
        result_variable=zeebe.get("resultVariable", reader.camunda(el, "resultVariable")),
        binding=zeebe.get("bindingType") or reader.camunda(el, "decisionRefBinding"),
        version=zeebe.get("versionTag")
        or reader.camunda(el, "decisionRefVersion")
        or reader.camunda(el, "decisionRefVersionTag"),
        map_decision_result=reader.camunda(el, "mapDecisionResult")
        or _c7_default_mapping(reader, el, "calledDecision" in ext.zeebe),
    )


def _c7_default_mapping(reader: Reader, el: Element, zeebe: bool) -> str | None:
    """Camunda 7 maps a decision's result to its `resultVariable` as `resultList` unless
    the task says otherwise; Camunda 8 (and a task without a result variable) keeps the
    decision's value as it is."""
    if zeebe or reader.camunda(el, "decisionRef") is None:
        return None
    return "resultList" if reader.camunda(el, "resultVariable") else None


@handles("callActivity")
def _call_activity(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, ext = _activity(reader, el, parent)
    zeebe = ext.zeebe.get("calledElement")
    inputs = list(fields.pop("inputs"))
    outputs = list(fields.pop("outputs"))
    for mapping, into in ((ext.camunda_in, inputs), (ext.camunda_out, outputs)):
        for attrs in mapping:
            if "businessKey" in attrs:
                reader.problem(
                    "camunda:in businessKey is not supported and is ignored",
                    el,
                    severity="warning",
                )
            elif attrs.get("source") is not None:
                source = attrs["source"]
                into.append(IoParameter(Expression(source), attrs.get("target") or source))
            elif attrs.get("sourceExpression") is not None:
                value = reader.value(attrs["sourceExpression"], el, "call activity mapping")
                into.append(IoParameter(value or Expression("null"), attrs.get("target", "")))
    if zeebe is not None:
        called = zeebe.get("processId")
        child_all = _true(zeebe.get("propagateAllChildVariables"), True)
        parent_all = _true(zeebe.get("propagateAllParentVariables"), True)
        binding = zeebe.get("bindingType")
        version = zeebe.get("versionTag")
    else:
        called = el.get("calledElement")
        all_in = any(attrs.get("variables") == "all" for attrs in ext.camunda_in)
        all_out = any(attrs.get("variables") == "all" for attrs in ext.camunda_out)
        parent_all = all_in if reader.camunda7 else True
        child_all = all_out if reader.camunda7 else True
        binding = version = None
    return CallActivity(
        **fields,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        called_element=reader.value(called, el, "called element"),
        binding=binding or reader.camunda(el, "calledElementBinding"),
        version=version
        or reader.camunda(el, "calledElementVersion")
        or reader.camunda(el, "calledElementVersionTag"),
        propagate_all_child_variables=child_all,
        propagate_all_parent_variables=parent_all,
    )


@handles("subProcess", "transaction", "adHocSubProcess")
def _sub_process(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, _ = _activity(reader, el, parent)
    fields["triggered_by_event"] = reader.flag(el, "triggeredByEvent", False)
    read_scope(reader, el, fields["id"])
    tag = local_name(el)
    if tag == "transaction":
        return Transaction(**fields, method=el.get("method"))
    if tag == "adHocSubProcess":
        return AdHocSubProcess(
            **fields,
            completion_condition=reader.formal(
                child(el, "completionCondition"), "completion condition"
            ),
            ordering=el.get("ordering"),
            cancel_remaining_instances=reader.flag(el, "cancelRemainingInstances", True),
        )
    return SubProcess(**fields)


def _unsupported(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, _ = _begin(reader, el, parent)
    return UnsupportedNode(**fields, tag=local_name(el))


# --- events ------------------------------------------------------------------------------


def _event(reader: Reader, el: Element, parent: str) -> tuple[dict[str, Any], Extensions]:
    fields, ext = _begin(reader, el, parent)
    definitions = []
    for item in children(el, BPMN):
        handler = EVENT_DEFINITIONS.get(local_name(item))
        if handler is not None:
            definitions.append(handler(reader, item))
    fields.update(
        event_definitions=tuple(definitions),
        parallel_multiple=reader.flag(el, "parallelMultiple", False),
        job=_job(reader, el, ext),
        headers=tuple(ext.headers),
        delegate=_delegate(reader, el, ext),
    )
    return fields, ext


@handles("startEvent")
def _start_event(reader: Reader, el: Element, parent: str) -> FlowNode:
    fields, ext = _event(reader, el, parent)
    form = ext.zeebe.get("formDefinition", {})
    return StartEvent(
        **fields,
        is_interrupting=reader.flag(el, "isInterrupting", True),
        form_key=form.get("formKey") or reader.camunda(el, "formKey"),
        form_id=form.get("formId"),
        initiator=reader.camunda(el, "initiator"),
    )


@handles("endEvent")
def _end_event(reader: Reader, el: Element, parent: str) -> FlowNode:
    return EndEvent(**_event(reader, el, parent)[0])


@handles("intermediateCatchEvent")
def _catch_event(reader: Reader, el: Element, parent: str) -> FlowNode:
    return IntermediateCatchEvent(**_event(reader, el, parent)[0])


@handles("intermediateThrowEvent")
def _throw_event(reader: Reader, el: Element, parent: str) -> FlowNode:
    return IntermediateThrowEvent(**_event(reader, el, parent)[0])


@handles("boundaryEvent")
def _boundary_event(reader: Reader, el: Element, parent: str) -> FlowNode:
    return BoundaryEvent(
        **_event(reader, el, parent)[0],
        attached_to=reader.ref(el, "attachedToRef") or "",
        cancel_activity=reader.flag(el, "cancelActivity", True),
    )


@_defines("messageEventDefinition")
def _message_definition(reader: Reader, el: Element) -> EventDefinition:
    return MessageEventDefinition(id=el.get("id"), message_ref=reader.ref(el, "messageRef"))


#: An ISO 8601 date, duration or repeating interval written as it is (not an expression).
_TIME_LITERAL = re.compile(r"^(R\d*/)?[0-9P][0-9A-Za-z:.,+\-/]*$")


@_defines("timerEventDefinition")
def _timer_definition(reader: Reader, el: Element) -> EventDefinition:
    def value(tag: str) -> Expression | None:
        found = child(el, tag)
        if found is None or not (found.text or "").strip():
            return None
        text = (found.text or "").strip()
        if reader.expression_language == "python" and not _TIME_LITERAL.match(text):
            # A deployment in Python (SpiffWorkflow models): the timer is a Python
            # expression such as "PT1S" (quoted) or f"PT{delay}S".
            return read_formal(text, found.get("language"), "python")
        return reader.value(text, found, f"timer {tag}")

    return TimerEventDefinition(
        id=el.get("id"),
        time_date=value("timeDate"),
        time_duration=value("timeDuration"),
        time_cycle=value("timeCycle"),
    )


@_defines("signalEventDefinition")
def _signal_definition(reader: Reader, el: Element) -> EventDefinition:
    return SignalEventDefinition(id=el.get("id"), signal_ref=reader.ref(el, "signalRef"))


@_defines("errorEventDefinition")
def _error_definition(reader: Reader, el: Element) -> EventDefinition:
    return ErrorEventDefinition(
        id=el.get("id"),
        error_ref=reader.ref(el, "errorRef"),
        error_code_variable=reader.camunda(el, "errorCodeVariable"),
        error_message_variable=reader.camunda(el, "errorMessageVariable"),
    )


@_defines("escalationEventDefinition")
def _escalation_definition(reader: Reader, el: Element) -> EventDefinition:
    return EscalationEventDefinition(
        id=el.get("id"), escalation_ref=reader.ref(el, "escalationRef")
    )


@_defines("conditionalEventDefinition")
def _conditional_definition(reader: Reader, el: Element) -> EventDefinition:
    def names(attr: str) -> tuple[str, ...]:
        raw = reader.camunda(el, attr) or ""
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    return ConditionalEventDefinition(
        id=el.get("id"),
        condition=reader.formal(child(el, "condition"), "condition"),
        variable_names=names("variableName"),
        variable_events=names("variableEvents"),
    )


@_defines("linkEventDefinition")
def _link_definition(reader: Reader, el: Element) -> EventDefinition:
    return LinkEventDefinition(id=el.get("id"), name=el.get("name"))


@_defines("compensateEventDefinition")
def _compensate_definition(reader: Reader, el: Element) -> EventDefinition:
    return CompensateEventDefinition(
        id=el.get("id"),
        activity_ref=el.get("activityRef"),
        wait_for_completion=reader.flag(el, "waitForCompletion", True),
    )


@_defines("terminateEventDefinition")
def _terminate_definition(reader: Reader, el: Element) -> EventDefinition:
    return TerminateEventDefinition(id=el.get("id"))


@_defines("cancelEventDefinition")
def _cancel_definition(reader: Reader, el: Element) -> EventDefinition:
    return CancelEventDefinition(id=el.get("id"))


# --- gateways ----------------------------------------------------------------------------


@handles("exclusiveGateway")
def _exclusive_gateway(reader: Reader, el: Element, parent: str) -> FlowNode:
    return ExclusiveGateway(**_begin(reader, el, parent)[0], default=el.get("default"))


@handles("inclusiveGateway")
def _inclusive_gateway(reader: Reader, el: Element, parent: str) -> FlowNode:
    return InclusiveGateway(**_begin(reader, el, parent)[0], default=el.get("default"))


@handles("parallelGateway")
def _parallel_gateway(reader: Reader, el: Element, parent: str) -> FlowNode:
    return ParallelGateway(**_begin(reader, el, parent)[0])


@handles("eventBasedGateway")
def _event_based_gateway(reader: Reader, el: Element, parent: str) -> FlowNode:
    return EventBasedGateway(
        **_begin(reader, el, parent)[0],
        instantiate=reader.flag(el, "instantiate", False),
        event_gateway_type=el.get("eventGatewayType", "Exclusive"),
    )


@handles("complexGateway")
def _complex_gateway(reader: Reader, el: Element, parent: str) -> FlowNode:
    return ComplexGateway(
        **_begin(reader, el, parent)[0],
        default=el.get("default"),
        activation_condition=reader.formal(
            child(el, "activationCondition"), "activation condition"
        ),
    )


# --- flows and data ----------------------------------------------------------------------


def _flow(reader: Reader, el: Element, parent: str) -> SequenceFlow:
    if not el.get("id"):
        # The schema makes a sequence flow's id optional (Camunda 7 models often omit it):
        # a stable one from its ends, numbered when several flows join the same two.
        hint = f"Flow_{el.get('sourceRef', '')}_{el.get('targetRef', '')}"
        fields = _base(reader, el, element_id=reader.generated_id(el, hint))
    else:
        fields = _base(reader, el)
    return SequenceFlow(
        **fields,
        source=el.get("sourceRef", ""),
        target=el.get("targetRef", ""),
        parent=parent,
        condition=reader.formal(child(el, "conditionExpression"), "condition"),
    )


def _association(reader: Reader, el: Element, parent: str) -> Association:
    return Association(
        **_base(reader, el),
        source=el.get("sourceRef", ""),
        target=el.get("targetRef", ""),
        parent=parent,
        direction=el.get("associationDirection"),
    )


def _data_object(reader: Reader, el: Element, parent: str) -> DataObject:
    tag = local_name(el)
    fields = _base(reader, el)
    if tag == "dataObject":
        return DataObject(
            **fields,
            kind="object",
            parent=parent,
            item_subject_ref=el.get("itemSubjectRef"),
            is_collection=reader.flag(el, "isCollection", False),
        )
    if tag == "dataObjectReference":
        return DataObject(**fields, kind="reference", parent=parent, ref=el.get("dataObjectRef"))
    return DataObject(**fields, kind="store", parent=parent, ref=el.get("dataStoreRef"))
