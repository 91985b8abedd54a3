"""A process tree as a BPMN process: gateways for the operators, one task per activity.

Each operator becomes a block with one way in and one way out: a sequence chains its
children, an exclusive choice and a parallel block sit between a split and a join
gateway, a loop enters an exclusive join, runs its body, and at an exclusive split either
leaves or runs a redo part back to the join. A silent step (tau) is a bare flow. So the
model is sound, like the tree, and deployable: each exclusive split is routed by the
variable `route_<gateway id>` holding the id of the flow to take (the first branch, or
leaving the loop, is the default). The writer lays the diagram out (`bpmn.layout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from regista.bpmn.assembly import assemble_process
from regista.bpmn.catalog import slug
from regista.insight.process_tree import Operator, ProcessTree
from regista.model.bpmn import (
    Definitions,
    EndEvent,
    ExclusiveGateway,
    Expression,
    FlowNode,
    JobDefinition,
    ManualTask,
    ParallelGateway,
    SequenceFlow,
    ServiceTask,
    StartEvent,
    Task,
    UserTask,
)
from regista.model.frozen import FrozenDict

__all__ = ["TASK_KINDS", "TaskKind", "route_variable", "tree_to_definitions"]

TaskKind = Literal["task", "user", "service", "manual"]
TASK_KINDS: tuple[TaskKind, ...] = ("task", "user", "service", "manual")


def route_variable(gateway_id: str) -> str:
    """The variable whose value (a flow id) routes the exclusive split `gateway_id`."""
    return f"route_{gateway_id}"


@dataclass
class _Writer:
    kind: TaskKind
    nodes: list[FlowNode] = field(default_factory=list)
    flows: list[SequenceFlow] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    leaving: set[str] = field(default_factory=set)

    def fresh(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return f"{prefix}_{self.counts[prefix]}"

    def flow(self, source: str, target: str) -> str:
        flow_id = self.fresh("Flow")
        self.flows.append(SequenceFlow(id=flow_id, source=source, target=target))
        if source in self.leaving:
            # the way out of a loop: its split's default
            self.leaving.discard(source)
            self.defaults[source] = flow_id
        return flow_id

    def task(self, label: str) -> str:
        node_id = self.fresh("Activity")
        if self.kind == "user":
            self.nodes.append(UserTask(id=node_id, name=label))
        elif self.kind == "service":
            job = JobDefinition(type=Expression.literal(slug(label) or node_id))
            self.nodes.append(ServiceTask(id=node_id, name=label, job=job))
        elif self.kind == "manual":
            self.nodes.append(ManualTask(id=node_id, name=label))
        else:
            self.nodes.append(Task(id=node_id, name=label))
        return node_id

    def gateway(self, exclusive: bool) -> str:
        node_id = self.fresh("Gateway")
        kind = ExclusiveGateway if exclusive else ParallelGateway
        self.nodes.append(kind(id=node_id))
        return node_id

    def block(self, tree: ProcessTree, source: str) -> str:
        """Write `tree` after the node `source` (with the flow into it, none for a tau);
        returns the node the block ends at."""
        if tree.op is Operator.TAU:
            return source
        if tree.op is Operator.ACTIVITY:
            node = self.task(str(tree.label))
            self.flow(source, node)
            return node
        if tree.op is Operator.SEQUENCE:
            at = source
            for child in tree.children:
                at = self.block(child, at)
            return at
        if tree.op in (Operator.XOR, Operator.AND):
            exclusive = tree.op is Operator.XOR
            split, join = self.gateway(exclusive), self.gateway(exclusive)
            self.flow(source, split)
            for child in tree.children:
                self._branch(child, split, join, exclusive)
            return join
        # a loop: join -> body -> split -> (leave | redo part -> join)
        join, split = self.gateway(True), self.gateway(True)
        self.flow(source, join)
        self.flow(self.block(tree.children[0], join), split)
        for redo in tree.children[1:]:
            self._branch(redo, split, join, True)
        self.leaving.add(split)
        return split

    def _branch(self, child: ProcessTree, split: str, join: str, routed: bool) -> None:
        """A branch from `split` to `join`; its first flow carries the route condition
        (the first branch of a choice is the default instead)."""
        marker = len(self.flows)
        self.flow(self.block(child, split), join)
        first = self.flows[marker]
        if routed:
            condition = Expression.feel(f'{route_variable(split)} = "{first.id}"')
            self.flows[marker] = SequenceFlow(
                id=first.id, source=first.source, target=first.target, condition=condition
            )
            self.defaults.setdefault(split, first.id)


def tree_to_definitions(
    tree: ProcessTree,
    process_id: str = "discovered",
    *,
    name: str | None = None,
    kind: TaskKind = "task",
) -> Definitions:
    """A definitions document holding `tree` as the executable process `process_id`."""
    writer = _Writer(kind)
    start = f"{process_id}_start"
    writer.nodes.append(StartEvent(id=start, name="start"))
    last = writer.block(tree, start)
    end = f"{process_id}_end"
    writer.nodes.append(EndEvent(id=end, name="end"))
    writer.flow(last, end)
    nodes = [replace(_with_default(n, writer), parent=process_id) for n in writer.nodes]
    flows = [replace(_unguard_default(f, writer), parent=process_id) for f in writer.flows]
    process = assemble_process({"id": process_id, "name": name}, nodes, flows)
    return Definitions(
        id=f"Definitions_{process_id}",
        target_namespace="http://bpmn.io/schema/bpmn",
        processes=FrozenDict({process_id: process}),
    )


def _with_default(node: FlowNode, writer: _Writer) -> FlowNode:
    default = writer.defaults.get(node.id)
    if default is None or not isinstance(node, ExclusiveGateway):
        return node
    return ExclusiveGateway(id=node.id, name=node.name, default=default)


def _unguard_default(flow: SequenceFlow, writer: _Writer) -> SequenceFlow:
    if writer.defaults.get(flow.source) != flow.id:
        return flow
    return SequenceFlow(id=flow.id, source=flow.source, target=flow.target)
