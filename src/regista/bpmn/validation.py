"""Deploy-time validation: every problem of a model at once, each with element id, line
and a sentence saying how to fix it.

Errors block deployment (the engine could not run the model as drawn); warnings point at
what is probably a mistake but can run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Literal

from regista import feel
from regista.bpmn.deadlocks import deadlocks
from regista.bpmn.duties import four_eyes
from regista.bpmn.sla import SlaError, parse_target, sla_text
from regista.feel.juel import JuelError, translate
from regista.model.bpmn import (
    RUNNABLE_LANGUAGES,
    Activity,
    AdHocSubProcess,
    BaseElement,
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    CancelEventDefinition,
    CompensateEventDefinition,
    ComplexGateway,
    ConditionalEventDefinition,
    Definitions,
    EndEvent,
    Error,
    ErrorEventDefinition,
    Escalation,
    EscalationEventDefinition,
    Event,
    EventBasedGateway,
    ExclusiveGateway,
    Expression,
    FlowNode,
    Gateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    IoParameter,
    LinkEventDefinition,
    Message,
    MessageEventDefinition,
    MultiInstance,
    ParallelGateway,
    Problem,
    Process,
    ReceiveTask,
    ScriptTask,
    SendTask,
    ServiceTask,
    Signal,
    SignalEventDefinition,
    StartEvent,
    SubProcess,
    TimerEventDefinition,
    Transaction,
    UnsupportedNode,
    UserTask,
)

__all__ = ["Problem", "validate"]

#: Script formats Regista runs; a script without one is in the deployment's expression
#: language.
_SCRIPT_FORMATS = {"feel", "python", "py", "python3"}


def validate(definitions: Definitions) -> list[Problem]:
    """Every problem of `definitions` (parse problems included), sorted by line."""
    checker = _Checker(definitions)
    checker.run()
    return sorted(checker.problems, key=lambda p: (p.line is None, p.line or 0))


class _Checker:
    def __init__(self, definitions: Definitions) -> None:
        self.defs = definitions
        self.problems: list[Problem] = list(definitions.problems)
        #: The process being checked is not executable: its problems are warnings.
        self.lenient = False

    def report(
        self,
        element: BaseElement | None,
        message: str,
        severity: Literal["error", "warning"] = "error",
        element_id: str | None = None,
    ) -> None:
        if severity == "error" and self.lenient:
            severity = "warning"
            message += " (a warning only: the process is not executable)"
        self.problems.append(
            Problem(
                severity=severity,
                message=message,
                element_id=element_id or (element.id if element else None),
                line=element.line if element else None,
                file=self.defs.file,
            )
        )

    def run(self) -> None:
        if not self.defs.processes:
            self.report(None, "the file has no process; add a <process> with a start event")
        for process in self.defs.processes.values():
            self.lenient = not process.is_executable
            self.check_process(process)
        self.lenient = False
        self.check_collaborations()
        self.check_root_expressions()

    # -- process ----------------------------------------------------------------------------

    def check_process(self, process: Process) -> None:
        if not process.start_events and not _instantiating(process):
            self.report(process, "the process has no start event; add one where it begins")
        for flow in process.flows.values():
            self.check_flow(process, flow.id)
        self.check_sla(process)
        for node in process.elements.values():
            self.check_node(process, node)
            self.check_expressions(node)
            self.check_sla(node)
        for flow in process.flows.values():
            self.check_expressions(flow)
        self.check_links(process)
        self.check_reachable(process)
        for problem in deadlocks(process, self.defs.file):
            self.report(
                process.elements.get(problem.element_id or ""), problem.message, problem.severity
            )

    def check_flow(self, process: Process, flow_id: str) -> None:
        flow = process.flows[flow_id]
        source = process.elements.get(flow.source)
        target = process.elements.get(flow.target)
        for end, ref, found in (("source", flow.source, source), ("target", flow.target, target)):
            if found is None:
                self.report(
                    flow,
                    f"the sequence flow's {end} '{ref}' does not exist in the process; "
                    f"connect it to an existing element",
                )
        if source is not None and target is not None and source.parent != target.parent:
            self.report(
                flow,
                f"the sequence flow crosses a subprocess border ('{source.id}' and "
                f"'{target.id}' are in different scopes); use events or end the subprocess",
            )
        if isinstance(target, StartEvent):
            self.report(flow, f"a sequence flow enters the start event '{target.id}'; remove it")
        if isinstance(target, BoundaryEvent):
            self.report(flow, f"a sequence flow enters the boundary event '{target.id}'")
        if isinstance(source, EndEvent):
            self.report(flow, f"a sequence flow leaves the end event '{source.id}'; remove it")
        if flow.condition is not None and isinstance(source, ParallelGateway | EventBasedGateway):
            self.report(
                flow,
                "the condition is ignored: flows out of a parallel or event-based gateway "
                "are always taken; remove it or use an exclusive/inclusive gateway",
                severity="warning",
            )

    def check_node(self, process: Process, node: FlowNode) -> None:
        if isinstance(node, Activity | Gateway) and node.default is not None:
            flow = process.flows.get(node.default)
            if flow is None or flow.source != node.id:
                self.report(
                    node,
                    f"the default flow '{node.default}' is not an outgoing flow of this "
                    "element; pick one of its outgoing flows",
                )
            elif flow.condition is not None:
                self.report(
                    node,
                    f"the default flow '{node.default}' has a condition, which is ignored",
                    severity="warning",
                )
        if isinstance(node, ExclusiveGateway | InclusiveGateway) and len(node.outgoing) > 1:
            unguarded = [
                f
                for f in node.outgoing
                if f in process.flows and process.flows[f].condition is None and f != node.default
            ]
            if unguarded:
                one = len(unguarded) == 1
                self.report(
                    node,
                    f"the gateway has {len(node.outgoing)} outgoing flows but "
                    f"{', '.join(unguarded)} {'has' if one else 'have'} no condition and "
                    f"{'is' if one else 'are'} not the default; add conditions or mark one "
                    "flow as the default",
                )
        if isinstance(node, EventBasedGateway):
            self.check_event_gateway(process, node)
        if isinstance(node, ComplexGateway):
            self.report(node, "complex gateways are not supported; use inclusive gateways")
        if isinstance(node, UnsupportedNode):
            self.report(node, f"<{node.tag}> is not supported by Regista; remove it")
        if isinstance(node, AdHocSubProcess):
            self.report(node, "ad-hoc subprocesses are not supported; use a subprocess")
        if isinstance(node, Activity):
            self.check_activity(node)
        if isinstance(node, Event):
            self.check_event(process, node)
        if (
            isinstance(node, Activity | Event)
            and node.delegate is not None
            and node.delegate.value is None
        ):
            what = {
                "class": "the Java delegate class",
                "delegateExpression": "the delegate expression (a Java bean)",
                "expression": "the JUEL method expression (a Java call)",
                "connector": "the Camunda 7 connector",
            }.get(node.delegate.kind, node.delegate.kind)
            self.report(
                node,
                f"{what} '{node.delegate.ref}' needs Java, which Regista does not run; make "
                'it an external task (camunda:type="external" camunda:topic=...) or a '
                "zeebe:taskDefinition and register a worker",
            )
        if isinstance(node, SubProcess) and not isinstance(node, AdHocSubProcess):
            self.check_subprocess(process, node)
        for other in four_eyes(node):
            if other == node.id or not isinstance(process.elements.get(other), UserTask):
                self.report(
                    node,
                    f"the four-eyes rule names '{other}', which is not another user task of "
                    "this process; name the user task whose completer may not complete this one",
                )

    def check_sla(self, element: BaseElement) -> None:
        text = sla_text(element)
        if text is None:
            return
        try:
            parse_target(text)
        except SlaError as exc:
            self.report(element, str(exc))

    def check_activity(self, node: Activity) -> None:
        if isinstance(node, ServiceTask) and node.job is None and node.delegate is None:
            self.report(
                node,
                "the service task has no job type; add zeebe:taskDefinition type=... (or "
                'camunda:type="external" camunda:topic=...) so a worker can do it',
                severity="warning",
            )
        if isinstance(node, ScriptTask) and node.job is None:
            if node.script is None or not node.script.strip():
                self.report(node, "the script task has no script; write one (FEEL or Python)")
            elif (node.script_format or self.defs.expression_language).strip().lower() not in (
                _SCRIPT_FORMATS
            ):
                self.report(
                    node,
                    f"scripts in '{node.script_format or 'no format'}' are not supported; "
                    'write the script in FEEL (scriptFormat="feel") or Python',
                )
            elif node.script_format == "feel":
                self.check_feel(node, "script", node.script)
        if isinstance(node, BusinessRuleTask) and node.job is None and node.decision_id is None:
            self.report(node, "the business rule task names no decision; set its decision id")
        if isinstance(node, CallActivity) and node.called_element is None:
            self.report(node, "the call activity names no process; set its called element")
        if isinstance(node, ReceiveTask):
            # Without a message it is a plain wait state, triggered by name (Camunda 7,
            # Flowable) — unless something must wait for a message: an instantiating one.
            self.check_ref(
                node, "message", node.message_ref, self.defs.messages, required=node.instantiate
            )
        if isinstance(node, SendTask):
            self.check_ref(node, "message", node.message_ref, self.defs.messages, required=False)
            if node.job is None and node.message_ref is None:
                self.report(
                    node,
                    "the send task has neither a message nor a job type; it does nothing",
                    severity="warning",
                )
        if isinstance(node.loop, MultiInstance):
            loop = node.loop
            if loop.input_collection is None and loop.loop_cardinality is None:
                self.report(
                    node,
                    "the multi-instance activity has neither an input collection nor a loop "
                    "cardinality; set one to say how many instances to create",
                )
            if loop.output_collection and loop.output_element is None:
                self.report(
                    node,
                    "the multi-instance output collection has no output element; set which "
                    "value each instance contributes",
                )

    def check_multiple(self, process: Process, node: Event) -> None:
        """An event with several definitions (BPMN's multiple / parallel multiple event)
        may only combine definitions that can wait or be thrown together."""
        combinable = (
            MessageEventDefinition,
            SignalEventDefinition,
            TimerEventDefinition,
            ConditionalEventDefinition,
            EscalationEventDefinition,
        )
        for definition in node.event_definitions:
            if not isinstance(definition, combinable):
                kind = type(definition).__name__.removesuffix("EventDefinition").lower()
                self.report(
                    node,
                    f"a {kind} event definition cannot be combined with other definitions in "
                    "one event; keep only message, signal, timer, conditional and escalation "
                    "definitions together, or split the event",
                )
        timers = sum(isinstance(d, TimerEventDefinition) for d in node.event_definitions)
        if timers > 1 and isinstance(node, StartEvent):
            self.report(
                node,
                "a start event may have one timer definition; give each timer its own start event",
            )
        if node.parallel_multiple and isinstance(node, StartEvent) and node.parent == process.id:
            self.report(
                node,
                "a parallel multiple start event (an instance that needs all of its events "
                "before it starts) is not supported; start with one of the events and wait for "
                "the others with a parallel gateway and intermediate catch events",
            )

    def check_event(self, process: Process, node: Event) -> None:
        if len(node.event_definitions) > 1:
            self.check_multiple(process, node)
        for definition in node.event_definitions:
            if isinstance(definition, MessageEventDefinition):
                required = not isinstance(node, EndEvent | IntermediateThrowEvent)
                self.check_ref(
                    node, "message", definition.message_ref, self.defs.messages, required
                )
            elif isinstance(definition, SignalEventDefinition):
                self.check_ref(node, "signal", definition.signal_ref, self.defs.signals, True)
            elif isinstance(definition, ErrorEventDefinition):
                if isinstance(node, EndEvent) and definition.error_ref is None:
                    self.report(
                        node,
                        "the error end event names no error: it throws an error without a "
                        "code, which only error boundary events and event subprocesses that "
                        "catch every error catch; reference an <error> to be specific",
                        severity="warning",
                    )
                self.check_ref(node, "error", definition.error_ref, self.defs.errors, False)
            elif isinstance(definition, EscalationEventDefinition):
                throws = isinstance(node, EndEvent | IntermediateThrowEvent)
                self.check_ref(
                    node, "escalation", definition.escalation_ref, self.defs.escalations, throws
                )
            elif isinstance(definition, TimerEventDefinition):
                if not (definition.time_date or definition.time_duration or definition.time_cycle):
                    self.report(
                        node,
                        "the timer has no date, duration or cycle; set one (e.g. PT5M)",
                    )
            elif isinstance(definition, ConditionalEventDefinition):
                if definition.condition is None:
                    self.report(node, "the conditional event has no condition; write one")
            elif isinstance(definition, CompensateEventDefinition):
                ref = definition.activity_ref
                if ref is not None and ref not in process.elements:
                    self.report(
                        node, f"the compensated activity '{ref}' does not exist; fix activityRef"
                    )
            elif isinstance(definition, CancelEventDefinition):
                self.check_cancel(process, node)
        if isinstance(node, BoundaryEvent):
            self.check_boundary(process, node)

    def check_ref(
        self,
        node: FlowNode,
        kind: str,
        ref: str | None,
        table: Mapping[str, object],
        required: bool,
    ) -> None:
        if ref is None:
            if required:
                self.report(
                    node,
                    f"no {kind} is referenced; define a <{kind}> and reference it ({kind}Ref)",
                )
        elif ref not in table:
            self.report(
                node,
                f"the {kind} '{ref}' is not defined; add <{kind} id=\"{ref}\"> to the "
                "definitions or fix the reference",
            )

    def check_boundary(self, process: Process, node: BoundaryEvent) -> None:
        host = process.elements.get(node.attached_to)
        if not isinstance(host, Activity):
            self.report(
                node,
                f"the boundary event is attached to '{node.attached_to}', which is not an "
                "activity of this process; attach it to a task or subprocess",
            )
        if not node.event_definitions:
            self.report(node, "a boundary event needs an event definition (timer, message...)")
        definition = node.definition
        if isinstance(definition, ErrorEventDefinition | CancelEventDefinition) and (
            not node.cancel_activity
        ):
            self.report(node, "error and cancel boundary events always interrupt the activity")
        if isinstance(definition, CancelEventDefinition) and not isinstance(host, Transaction):
            self.report(node, "cancel boundary events can only be attached to a transaction")
        if isinstance(definition, CompensateEventDefinition) and node.compensation_handler is None:
            self.report(
                node,
                "the compensation boundary event has no handler; associate it with an "
                "activity marked isForCompensation",
            )

    def check_cancel(self, process: Process, node: Event) -> None:
        if isinstance(node, BoundaryEvent):
            return
        scope = process.elements.get(node.parent)
        if not isinstance(scope, Transaction):
            self.report(node, "cancel end events are only allowed inside a transaction")

    def check_event_gateway(self, process: Process, node: EventBasedGateway) -> None:
        if node.instantiate and node.incoming:
            self.report(
                node,
                "an instantiating event-based gateway starts the process: remove the sequence "
                "flows into it",
            )
        if len(node.outgoing) < 2:
            self.report(node, "an event-based gateway needs at least two outgoing flows")
        for flow_id in node.outgoing:
            flow = process.flows.get(flow_id)
            target = process.elements.get(flow.target) if flow else None
            ok = (isinstance(target, ReceiveTask) and target.message_ref is not None) or (
                isinstance(target, IntermediateCatchEvent)
                and isinstance(
                    target.definition,
                    MessageEventDefinition
                    | TimerEventDefinition
                    | SignalEventDefinition
                    | ConditionalEventDefinition,
                )
            )
            if target is not None and not ok:
                self.report(
                    node,
                    f"'{target.id}' follows an event-based gateway but is not a message, "
                    "timer, signal or conditional catch event nor a receive task with a "
                    "message",
                )

    def check_subprocess(self, process: Process, node: SubProcess) -> None:
        starts = [process.elements[i] for i in node.start_events]
        if node.triggered_by_event:
            if node.incoming or node.outgoing:
                self.report(node, "an event subprocess cannot have incoming or outgoing flows")
            typed = [s for s in starts if isinstance(s, Event) and s.event_definitions]
            if len(starts) != 1 or len(typed) != 1:
                self.report(
                    node,
                    "an event subprocess needs exactly one start event with a trigger "
                    "(message, timer, signal, error, escalation, conditional, compensation)",
                )
            return
        if not starts:
            self.report(node, "the subprocess has no start event; add a none start event")
        for start in starts:
            if isinstance(start, Event) and start.event_definitions:
                self.report(
                    start, "a start event inside an embedded subprocess must be a none event"
                )

    def check_links(self, process: Process) -> None:
        catches: set[tuple[str, str | None]] = set()
        for node in process.elements.values():
            if isinstance(node, IntermediateCatchEvent) and isinstance(
                node.definition, LinkEventDefinition
            ):
                catches.add((node.parent, node.definition.name))
        for node in process.elements.values():
            if (
                isinstance(node, IntermediateThrowEvent)
                and isinstance(node.definition, LinkEventDefinition)
                and (node.parent, node.definition.name) not in catches
            ):
                self.report(
                    node,
                    f"no link catch event named '{node.definition.name}' in the same "
                    "scope; add one or fix the link name",
                )

    def check_reachable(self, process: Process) -> None:
        seen: set[str] = set()
        links: dict[tuple[str, str | None], list[str]] = {}
        for node in process.elements.values():
            if isinstance(node, IntermediateCatchEvent) and isinstance(
                node.definition, LinkEventDefinition
            ):
                links.setdefault((node.parent, node.definition.name), []).append(node.id)
        todo = (
            list(process.start_events) + list(process.event_subprocesses) + _instantiating(process)
        )
        while todo:
            node_id = todo.pop()
            if node_id in seen or node_id not in process.elements:
                continue
            seen.add(node_id)
            node = process.elements[node_id]
            todo.extend(process.flows[f].target for f in node.outgoing if f in process.flows)
            if isinstance(node, Activity):
                todo.extend(node.boundary_events)
            if isinstance(node, SubProcess):
                todo.extend(node.start_events)
                todo.extend(node.event_subprocesses)
            if isinstance(node, BoundaryEvent) and node.compensation_handler:
                todo.append(node.compensation_handler)
            if isinstance(node, IntermediateThrowEvent) and isinstance(
                node.definition, LinkEventDefinition
            ):
                todo.extend(links.get((node.parent, node.definition.name), []))
        if not process.start_events and not _instantiating(process):
            return
        for node in process.elements.values():
            if node.id in seen or (isinstance(node, Activity) and node.is_for_compensation):
                continue
            parent = process.elements.get(node.parent)
            if parent is not None and parent.id not in seen:
                continue  # reported once, for the enclosing subprocess
            self.report(
                node,
                "the element can never be reached from a start event; connect it or remove it",
                severity="warning",
            )

    # -- expressions ----------------------------------------------------------------------

    def check_expressions(self, element: BaseElement) -> None:
        for what, expression in _expressions(element):
            if expression.language == "feel":
                self.check_feel(element, what, expression.text)
                continue
            if expression.language in RUNNABLE_LANGUAGES:
                continue
            if expression.language == "juel":
                try:
                    translate(expression.text)
                    reason = "not translated"
                except JuelError as exc:
                    reason = str(exc)
                self.report(
                    element,
                    f"the {what} {expression.text!r} is JUEL that cannot be translated to "
                    f"FEEL ({reason}); rewrite it in FEEL",
                )
            else:
                self.report(
                    element,
                    f"the {what} {expression.text!r} is written in {expression.language}, "
                    "which Regista cannot run; rewrite it in FEEL",
                )

    def check_feel(self, element: BaseElement, what: str, text: str) -> None:
        """Compile one FEEL text of the model, so a syntax error is found before it runs."""
        if not text.strip():
            return
        if (message := feel_error(text)) is not None:
            self.report(element, f"the {what} '={text}' is not valid FEEL: {message}")

    def check_root_expressions(self) -> None:
        """The FEEL of messages, signals, errors and escalations (names, codes, keys)."""
        roots: list[Message | Signal | Error | Escalation] = [
            *self.defs.messages.values(),
            *self.defs.signals.values(),
            *self.defs.errors.values(),
            *self.defs.escalations.values(),
        ]
        for root in roots:
            for what, expression in _expressions(root):
                if expression.language != "feel" or not expression.text.strip():
                    continue
                if (message := feel_error(expression.text)) is not None:
                    kind = type(root).__name__.lower()
                    self.problems.append(
                        Problem(
                            severity="error",
                            message=f"the {kind}'s {what} '={expression.text}' is not valid "
                            f"FEEL: {message}",
                            element_id=root.id,
                            line=root.line,
                            file=self.defs.file,
                        )
                    )

    # -- collaborations -------------------------------------------------------------------

    def check_collaborations(self) -> None:
        nodes = {i for p in self.defs.processes.values() for i in p.elements}
        for collaboration in self.defs.collaborations:
            participants = {p.id for p in collaboration.participants}
            for participant in collaboration.participants:
                ref = participant.process_ref
                if ref is not None and ref not in self.defs.processes:
                    self.report(
                        participant,
                        f"the pool refers to the process '{ref}', which does not exist",
                    )
            for flow in collaboration.message_flows:
                for end, ref in (("source", flow.source), ("target", flow.target)):
                    if ref not in nodes and ref not in participants:
                        self.report(flow, f"the message flow's {end} '{ref}' does not exist")
                if flow.message_ref is not None and flow.message_ref not in self.defs.messages:
                    self.report(flow, f"the message '{flow.message_ref}' is not defined")


def feel_error(text: str) -> str | None:
    """Why `text` is not a FEEL expression (with the line and column in it and how to fix
    it), or None when it compiles."""
    try:
        feel.compile(text)
    except feel.FeelSyntaxError as exc:
        where = f"column {exc.column}" if exc.line == 1 else f"line {exc.line}, column {exc.column}"
        return f"{exc.message} at {where}; correct the expression there"
    return None


def _expressions(obj: object, what: str = "expression") -> Iterator[tuple[str, Expression]]:
    """Every expression inside a model element, with a name for the field holding it."""
    if isinstance(obj, Expression):
        yield what, obj
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _expressions(item, what)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, Expression | tuple) or (
                dataclasses.is_dataclass(value) and not isinstance(value, type)
            ):
                if isinstance(obj, IoParameter):
                    # `what` is the field holding the mapping: "inputs" or "outputs"
                    label = f"{what.rstrip('s')} mapping of '{obj.target}'"
                else:
                    label = f.name.replace("_", " ")
                yield from _expressions(value, label)


def _instantiating(process: Process) -> list[str]:
    """The receive tasks and event-based gateways with `instantiate` that start the
    process (top level, no flow into them)."""
    return [
        node.id
        for node in process.elements.values()
        if isinstance(node, ReceiveTask | EventBasedGateway)
        and node.instantiate
        and not node.incoming
        and node.parent == process.id
    ]
