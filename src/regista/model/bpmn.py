"""The immutable model of BPMN 2.0 definitions: processes, their elements and flows.

Everything here is a frozen dataclass holding tuples and `FrozenDict`s, built once by the
parser (`regista.bpmn.parse`) or the builder (`regista.bpmn.ProcessBuilder`) and then only
read.
Relations the engine follows on every step are precomputed: each flow node knows its
`incoming`/`outgoing` flow ids and its `parent` scope id, each activity its boundary
events, each scope its children and start events, so running a model never searches it.

Source line numbers, the diagram and the original XML are kept but excluded from equality,
so a model parsed from a file equals the same model built in code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from regista.model.frozen import FrozenDict, frozendict

__all__ = [
    "RUNNABLE_LANGUAGES",
    "Activity",
    "AdHocSubProcess",
    "Association",
    "BaseElement",
    "BoundaryEvent",
    "Bounds",
    "BusinessRuleTask",
    "CallActivity",
    "CancelEventDefinition",
    "Collaboration",
    "CompensateEventDefinition",
    "ComplexGateway",
    "ConditionalEventDefinition",
    "DataObject",
    "Definitions",
    "Delegate",
    "Diagram",
    "Edge",
    "EndEvent",
    "Error",
    "ErrorEventDefinition",
    "Escalation",
    "EscalationEventDefinition",
    "Event",
    "EventBasedGateway",
    "EventDefinition",
    "ExclusiveGateway",
    "Expression",
    "FlowNode",
    "Gateway",
    "InclusiveGateway",
    "IntermediateCatchEvent",
    "IntermediateThrowEvent",
    "IoParameter",
    "ItemDefinition",
    "JobDefinition",
    "Lane",
    "LinkEventDefinition",
    "ManualTask",
    "Message",
    "MessageEventDefinition",
    "MessageFlow",
    "MultiInstance",
    "ParallelGateway",
    "Participant",
    "Point",
    "Problem",
    "Process",
    "ReceiveTask",
    "ScriptTask",
    "SendTask",
    "SequenceFlow",
    "ServiceTask",
    "Shape",
    "Signal",
    "SignalEventDefinition",
    "StandardLoop",
    "StartEvent",
    "SubProcess",
    "Task",
    "TerminateEventDefinition",
    "TimerEventDefinition",
    "Transaction",
    "UnsupportedNode",
    "UserTask",
]

#: Expression languages Regista can evaluate. Any other `Expression.language` — "juel"
#: (JUEL that could not be translated to FEEL) or a foreign name such as "groovy" — is kept
#: so the model stays faithful, and validation reports it as an error.
RUNNABLE_LANGUAGES = frozenset({"feel", "python", "literal"})


@dataclass(frozen=True, slots=True)
class Expression:
    """An expression as written in the model.

    `language` is "feel" (Camunda 8 `=expr`, or Camunda 7 JUEL translated to FEEL),
    "python" (only run when the deployer trusts the model), "literal" (a plain value such
    as a task type "payment" or a duration "PT5M", used as is), or a language Regista
    cannot run ("juel", "groovy", ...), which validation reports.
    """

    text: str
    language: str = "feel"

    @classmethod
    def feel(cls, text: str) -> Expression:
        """A FEEL expression (without the leading `=`)."""
        return cls(text, "feel")

    @classmethod
    def literal(cls, text: str) -> Expression:
        """A constant string value."""
        return cls(text, "literal")


@dataclass(frozen=True, slots=True)
class IoParameter:
    """One input or output mapping: evaluate `source`, store it under the name `target`."""

    source: Expression
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JobDefinition:
    """Work done by an external worker: the job `type` (Camunda 7 external task topic)."""

    type: Expression
    retries: Expression | None = None
    #: The job's priority (Camunda 7 `camunda:taskPriority`), kept with the model.
    priority: Expression | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Delegate:
    """A Camunda 7 Java implementation (`class`, `delegateExpression`, `expression`,
    `connector`); kept for fidelity, never run — validation reports it as unsupported."""

    kind: str
    ref: str
    result_variable: str | None = None
    #: For an `expression` that calls no method (`${true}`): its FEEL translation, which
    #: the engine evaluates into `result_variable` instead of refusing the delegate.
    value: Expression | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MultiInstance:
    """Multi-instance loop characteristics (parallel unless `is_sequential`)."""

    is_sequential: bool = False
    loop_cardinality: Expression | None = None
    input_collection: Expression | None = None
    input_element: str | None = None
    output_collection: str | None = None
    output_element: Expression | None = None
    completion_condition: Expression | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardLoop:
    """Standard loop characteristics: repeat while `loop_condition` holds."""

    loop_condition: Expression | None = None
    test_before: bool = False
    loop_maximum: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """A problem found in a model: an error blocks deployment, a warning does not."""

    severity: Literal["error", "warning"]
    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file or '<bpmn>'}:{self.line}" if self.line else (self.file or "")
        element = f" [{self.element_id}]" if self.element_id else ""
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity}{element}: {self.message}"


# --- elements --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseElement:
    """Fields every model element carries.

    `properties` holds `zeebe:property` / `camunda:property` name-value pairs, `extensions`
    the attributes of the `regista:` namespace (local name -> value).
    """

    id: str
    name: str | None = None
    documentation: str | None = None
    properties: FrozenDict[str, str] = field(default_factory=frozendict)
    extensions: FrozenDict[str, str] = field(default_factory=frozendict)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowNode(BaseElement):
    """A node sequence flows connect: `parent` is the id of the enclosing subprocess or
    process; `incoming`/`outgoing` are sequence flow ids in document order."""

    parent: str = ""
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    inputs: tuple[IoParameter, ...] = ()
    outputs: tuple[IoParameter, ...] = ()
    async_before: bool = False
    async_after: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsupportedNode(FlowNode):
    """A BPMN flow node Regista does not model (e.g. a choreography task); `tag` names it."""

    tag: str


# --- activities --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity(FlowNode):
    """Fields shared by tasks, subprocesses and call activities.

    `default` is the default outgoing flow, `boundary_events` the ids of boundary events
    attached here, `job`/`headers` the worker job (Camunda 8 task definition, Camunda 7
    external task).
    """

    default: str | None = None
    loop: MultiInstance | StandardLoop | None = None
    is_for_compensation: bool = False
    boundary_events: tuple[str, ...] = ()
    job: JobDefinition | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delegate: Delegate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Task(Activity):
    """An abstract task: nothing to do, the token passes straight through."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualTask(Activity):
    """Work done without any system; waits to be completed like a user task."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTask(Activity):
    """Work done by a system: a job of type `job.type` for a worker."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendTask(Activity):
    """Sends a message: a job when `job` is set, else publishes `message_ref`."""

    message_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveTask(Activity):
    """Waits for the message `message_ref`."""

    message_ref: str | None = None
    instantiate: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTask(Activity):
    """Work done by a person; the fields are expressions evaluated when the task opens.

    `candidate_users`/`candidate_groups` literals are comma-separated lists.
    """

    assignee: Expression | None = None
    candidate_users: Expression | None = None
    candidate_groups: Expression | None = None
    due_date: Expression | None = None
    follow_up_date: Expression | None = None
    priority: Expression | None = None
    form_key: str | None = None
    form_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptTask(Activity):
    """Runs `script` written in `script_format` ("feel", "python", or one Regista cannot
    run) and stores the result in `result_variable`."""

    script_format: str | None = None
    script: str | None = None
    result_variable: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessRuleTask(Activity):
    """Evaluates the DMN decision `decision_id` (or is a job when `job` is set)."""

    decision_id: Expression | None = None
    result_variable: str | None = None
    binding: str | None = None
    version: str | None = None
    map_decision_result: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallActivity(Activity):
    """Starts the process `called_element` and waits for it.

    `binding` is "latest" (default), "deployment", "version" or "versionTag" with
    `version`. Variables flow in through `inputs` (plus all variables when
    `propagate_all_parent_variables`) and back through `outputs` (plus all child variables
    when `propagate_all_child_variables`).
    """

    called_element: Expression | None = None
    binding: str | None = None
    version: str | None = None
    propagate_all_child_variables: bool = True
    propagate_all_parent_variables: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SubProcess(Activity):
    """An embedded subprocess, a scope of its own.

    `children` are the ids of the flow nodes directly inside, `start_events` those of its
    start events, `event_subprocesses` those of its event subprocesses. An event
    subprocess has `triggered_by_event` set and no flows in or out.
    """

    triggered_by_event: bool = False
    children: tuple[str, ...] = ()
    start_events: tuple[str, ...] = ()
    event_subprocesses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction(SubProcess):
    """A transaction subprocess: a cancel end event inside compensates and cancels it."""

    method: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AdHocSubProcess(SubProcess):
    """An ad-hoc subprocess (kept for fidelity; not executable)."""

    completion_condition: Expression | None = None
    ordering: str | None = None
    cancel_remaining_instances: bool = True


# --- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDefinition:
    """Base of the event definitions; `id` is optional in BPMN."""

    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEventDefinition(EventDefinition):
    """A message event; its name and correlation key are on `Definitions.messages`."""

    message_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerEventDefinition(EventDefinition):
    """A timer: an ISO 8601 date, duration or repeating cycle (or FEEL giving one)."""

    time_date: Expression | None = None
    time_duration: Expression | None = None
    time_cycle: Expression | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalEventDefinition(EventDefinition):
    """A signal event; the signal name is on `Definitions.signals`."""

    signal_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEventDefinition(EventDefinition):
    """An error event; `error_ref` None on a catch event catches every error."""

    error_ref: str | None = None
    error_code_variable: str | None = None
    error_message_variable: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationEventDefinition(EventDefinition):
    """An escalation event; `escalation_ref` None on a catch event catches every one."""

    escalation_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionalEventDefinition(EventDefinition):
    """Fires when `condition` becomes true (optionally only on changes of the variables)."""

    condition: Expression | None = None
    variable_names: tuple[str, ...] = ()
    variable_events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkEventDefinition(EventDefinition):
    """A link: a throw jumps to the catch with the same `name` in the same scope."""

    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompensateEventDefinition(EventDefinition):
    """Compensation of `activity_ref`, or of the whole scope when None."""

    activity_ref: str | None = None
    wait_for_completion: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminateEventDefinition(EventDefinition):
    """Ends every token of the enclosing scope."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelEventDefinition(EventDefinition):
    """Cancels the enclosing transaction."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(FlowNode):
    """Fields shared by events: no definition means a "none" event.

    A Camunda 8 message throw event has a `job` for its worker.
    """

    event_definitions: tuple[EventDefinition, ...] = ()
    parallel_multiple: bool = False
    job: JobDefinition | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delegate: Delegate | None = None

    @property
    def definition(self) -> EventDefinition | None:
        """The first event definition, or None for a none event."""
        return self.event_definitions[0] if self.event_definitions else None


@dataclass(frozen=True, slots=True, kw_only=True)
class StartEvent(Event):
    """A start event; `is_interrupting` matters in event subprocesses only."""

    is_interrupting: bool = True
    form_key: str | None = None
    form_id: str | None = None
    initiator: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndEvent(Event):
    """An end event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntermediateCatchEvent(Event):
    """Waits for its event (message, timer, signal, conditional, link)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntermediateThrowEvent(Event):
    """Throws its event (none, message, signal, escalation, link, compensation)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundaryEvent(Event):
    """An event attached to the activity `attached_to`.

    `compensation_handler` is the activity a compensation boundary event is associated
    with (precomputed from the model's associations).
    """

    attached_to: str = ""
    cancel_activity: bool = True
    compensation_handler: str | None = None


# --- gateways ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway(FlowNode):
    """Fields shared by gateways; `default` is the flow taken when no condition holds."""

    default: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExclusiveGateway(Gateway):
    """Takes the first outgoing flow whose condition holds, else the default."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InclusiveGateway(Gateway):
    """Takes every outgoing flow whose condition holds; joins the tokens that can arrive."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelGateway(Gateway):
    """Forks to every outgoing flow; joins one token from every incoming flow."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EventBasedGateway(Gateway):
    """Waits for the first of the events that follow it."""

    instantiate: bool = False
    event_gateway_type: str = "Exclusive"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplexGateway(Gateway):
    """A complex gateway (kept for fidelity; not executable)."""

    activation_condition: Expression | None = None


# --- connecting objects, data, lanes -----------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SequenceFlow(BaseElement):
    """A flow from `source` to `target` inside the scope `parent`."""

    source: str
    target: str
    parent: str = ""
    condition: Expression | None = None
    is_default: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Association(BaseElement):
    """An association between two flow nodes (links compensation handlers)."""

    source: str
    target: str
    parent: str = ""
    direction: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataObject(BaseElement):
    """A data object ("object"), data object reference ("reference", `ref` = the object)
    or data store reference ("store", `ref` = the data store)."""

    kind: Literal["object", "reference", "store"] = "object"
    parent: str = ""
    ref: str | None = None
    item_subject_ref: str | None = None
    is_collection: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Lane(BaseElement):
    """A lane holding the flow nodes `flow_node_refs`, possibly split in `child_lanes`."""

    flow_node_refs: tuple[str, ...] = ()
    child_lanes: tuple[Lane, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Process(BaseElement):
    """A process: every flow node and flow of every nesting level, by id.

    `children`, `start_events` and `event_subprocesses` concern the top level only; a
    subprocess lists its own. `elements` keeps document order. `forms` holds the embedded
    forms of its user tasks (Camunda 8 `zeebe:userTaskForm`): JSON text by form id.
    """

    is_executable: bool = True
    version_tag: str | None = None
    elements: FrozenDict[str, FlowNode] = field(default_factory=frozendict)
    flows: FrozenDict[str, SequenceFlow] = field(default_factory=frozendict)
    associations: FrozenDict[str, Association] = field(default_factory=frozendict)
    data_objects: FrozenDict[str, DataObject] = field(default_factory=frozendict)
    lanes: tuple[Lane, ...] = ()
    children: tuple[str, ...] = ()
    start_events: tuple[str, ...] = ()
    event_subprocesses: tuple[str, ...] = ()
    forms: FrozenDict[str, str] = field(default_factory=frozendict)
    #: The names its ioSpecification declares (None without one): a called instance starts
    #: with only the inputs and gives back only the outputs.
    data_inputs: tuple[str, ...] | None = None
    data_outputs: tuple[str, ...] | None = None
    #: SLA targets set in the model (`regista:sla`, or the extension property
    #: `regista.sla`): the process's own id -> the instance's target duration, a flow
    #: node's id -> its step's. Derived from the elements' extensions when assembled.
    sla_targets: FrozenDict[str, dt.timedelta] = field(default_factory=frozendict)


# --- root elements -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A message: its `name` (literal, or FEEL in Camunda 8) and `correlation_key`."""

    id: str
    name: Expression | None = None
    correlation_key: Expression | None = None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """A signal, broadcast and caught by `name`."""

    id: str
    name: Expression | None = None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Error:
    """A BPMN error, caught by `code` (literal, or FEEL on a Camunda 8 throw)."""

    id: str
    name: str | None = None
    code: Expression | None = None
    line: int | None = field(default=None, compare=False)
    #: Not declared in the file: an `errorRef` naming no `<error>`, whose text is the code
    #: (as Camunda 7 and Activiti read it); the writer does not add it.
    implicit: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation:
    """An escalation, caught by `code`."""

    id: str
    name: str | None = None
    code: Expression | None = None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDefinition:
    """An item definition (type of data); kept for fidelity."""

    id: str
    structure_ref: str | None = None
    item_kind: str | None = None
    is_collection: bool = False
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant(BaseElement):
    """A pool: the participant `process_ref` (None for a black-box pool)."""

    process_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFlow(BaseElement):
    """A message flow between participants or their flow nodes."""

    source: str
    target: str
    message_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Collaboration(BaseElement):
    """Pools and the message flows between them."""

    participants: tuple[Participant, ...] = ()
    message_flows: tuple[MessageFlow, ...] = ()


# --- diagram interchange (BPMN DI) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """A point of a diagram."""

    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Bounds:
    """A rectangle of a diagram."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """The shape of element `element_id`."""

    element_id: str
    bounds: Bounds
    id: str | None = None
    is_expanded: bool | None = None
    is_horizontal: bool | None = None
    label: Bounds | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """The line drawn for flow `element_id`."""

    element_id: str
    waypoints: tuple[Point, ...]
    id: str | None = None
    label: Bounds | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagram:
    """One BPMN diagram: the plane of `plane_element` with shapes and edges by element id."""

    id: str | None = None
    name: str | None = None
    plane_element: str | None = None
    shapes: FrozenDict[str, Shape] = field(default_factory=frozendict)
    edges: FrozenDict[str, Edge] = field(default_factory=frozendict)


# --- definitions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Definitions:
    """A BPMN file: processes, collaborations and the shared root elements, by id.

    `source` holds the XML the model was parsed from (the writer gives it back unchanged
    while the model is unchanged), `diagrams` the parsed BPMN DI, `problems` what the
    parser could not represent (see `regista.bpmn.validate`). None of those take part in
    equality.
    """

    id: str
    name: str | None = None
    target_namespace: str | None = None
    execution_platform: str | None = None
    execution_platform_version: str | None = None
    processes: FrozenDict[str, Process] = field(default_factory=frozendict)
    collaborations: tuple[Collaboration, ...] = ()
    messages: FrozenDict[str, Message] = field(default_factory=frozendict)
    signals: FrozenDict[str, Signal] = field(default_factory=frozendict)
    errors: FrozenDict[str, Error] = field(default_factory=frozendict)
    escalations: FrozenDict[str, Escalation] = field(default_factory=frozendict)
    item_definitions: FrozenDict[str, ItemDefinition] = field(default_factory=frozendict)
    exporter: str | None = field(default=None, compare=False)
    exporter_version: str | None = field(default=None, compare=False)
    diagrams: tuple[Diagram, ...] = field(default=(), compare=False)
    source: bytes | None = field(default=None, compare=False, repr=False)
    file: str | None = field(default=None, compare=False)
    expression_language: str = field(default="feel", compare=False)
    problems: tuple[Problem, ...] = field(default=(), compare=False)
