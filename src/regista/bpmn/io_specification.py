"""The `ioSpecification` of a process or an activity: the names of its declared data inputs
and outputs (SpiffWorkflow models use them to say what a called process or a task gives
back). Names come from `name`, else from the `id` of each `dataInput`/`dataOutput`."""

from __future__ import annotations

from regista.bpmn.namespaces import BPMN, q
from regista.bpmn.reader import Element
from regista.model.bpmn import Expression, IoParameter

__all__ = ["DataNames", "data_names", "output_mappings"]

#: (data input names, data output names)
DataNames = tuple[tuple[str, ...], tuple[str, ...]]


def data_names(el: Element) -> DataNames | None:
    """The declared data inputs and outputs of `el`, None when it has no ioSpecification."""
    spec = el.find(q(BPMN, "ioSpecification"))
    if spec is None:
        return None

    def names(tag: str) -> tuple[str, ...]:
        found = (item.get("name") or item.get("id") or "" for item in spec.findall(q(BPMN, tag)))
        return tuple(dict.fromkeys(name.strip() for name in found if name.strip()))

    return names("dataInput"), names("dataOutput")


def output_mappings(el: Element, outputs: tuple[IoParameter, ...]) -> tuple[IoParameter, ...]:
    """`outputs` plus one mapping `name -> name` per declared data output of the activity
    `el` that no mapping already sets: an activity with output mappings keeps what it
    receives local and hands on only the mapped names, which is what a declared output
    set means."""
    declared = data_names(el)
    if declared is None or not declared[1]:
        return outputs
    targets = {p.target for p in outputs}
    added = tuple(
        IoParameter(Expression.feel(name), name) for name in declared[1] if name not in targets
    )
    return outputs + added
