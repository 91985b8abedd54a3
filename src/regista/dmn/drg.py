"""The decision requirements graph of the loaded models, compiled.

Links every requirement (`href`) to its element, in this model or an imported one, works
out the name each element is seen by (`Name` or `import.Name`), compiles all decision
logic, and refuses dependency cycles. This is the load-time half of the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from regista.dmn.boxed import compile_expression, result_type
from regista.dmn.env import Env, Eval, constant
from regista.dmn.errors import DmnError
from regista.dmn.results import Run
from regista.dmn.typing import TypeDefinitionError, TypeTable
from regista.feel import types as ft
from regista.feel.scope import Scope
from regista.model import dmn as m


class Kind(Enum):
    DECISION = "decision"
    INPUT = "input data"
    BKM = "business knowledge model"
    SERVICE = "decision service"


Element = m.Decision | m.InputData | m.BusinessKnowledgeModel | m.DecisionService


@dataclass(frozen=True)
class Requirement:
    """A required element and the name the requiring element sees it by."""

    kind: Kind
    model: CompiledModel
    element: Element
    prefix: str | None  # the import name, for elements of an imported model

    @property
    def name(self) -> str:
        return self.element.name


@dataclass(frozen=True)
class Function:
    """A business knowledge model compiled: parameters, body and result type."""

    params: list[tuple[str, ft.FeelType | None]]
    body: Eval
    result: ft.FeelType | None
    requirements: list[Requirement]


class CompiledModel:
    """One model file with its elements indexed and, after `compile`, its logic compiled."""

    def __init__(self, definitions: m.Definitions) -> None:
        d = definitions
        self.definitions = d
        self.namespace = d.namespace
        self.name = d.name
        self.file = d.file
        self.types = TypeTable(d)
        self.imports = {i.name: i.namespace for i in d.imports}
        self.import_names: dict[str, str] = {}
        for i in d.imports:
            self.import_names.setdefault(i.namespace, i.name)
        self.elements: dict[str, tuple[Kind, Element]] = {}
        for kind, group in (
            (Kind.DECISION, d.decisions),
            (Kind.INPUT, d.input_data),
            (Kind.BKM, d.knowledge_models),
            (Kind.SERVICE, d.decision_services),
        ):
            for el in group:
                if el.id in self.elements:
                    raise DmnError(
                        f"two elements have the id {el.id!r}; ids must be unique",
                        file=d.file,
                        line=el.line,
                        element_id=el.id,
                    )
                self.elements[el.id] = (kind, el)
        self.decisions = {x.id: x for x in d.decisions}
        self.decision_names = {x.name: x for x in d.decisions}
        self.services = {x.id: x for x in d.decision_services}
        self.service_names = {x.name: x for x in d.decision_services}
        self.inputs = {x.id: x for x in d.input_data}
        self.requirements: dict[str, list[Requirement]] = {}
        self.bodies: dict[str, Eval] = {}
        self.types_of: dict[str, ft.FeelType | None] = {}
        self.functions: dict[str, Function] = {}

    # -- linking

    def resolve(
        self, href: m.Href, models: dict[str, CompiledModel], owner: Element
    ) -> Requirement:
        """The element `href` names, seen from this model."""
        if href.namespace in ("", self.namespace):
            target = self
        else:
            found = models.get(href.namespace)
            if found is None:
                raise DmnError(
                    f"{owner.name!r} requires an element of the model with namespace "
                    f"{href.namespace!r}, which is not loaded; load it together with this one",
                    file=self.file,
                    line=owner.line,
                    element_id=owner.id,
                )
            target = found
        entry = target.elements.get(href.element_id)
        if entry is None:
            raise DmnError(
                f"{owner.name!r} requires the element {str(href)!r}, which does not exist",
                file=self.file,
                line=owner.line,
                element_id=owner.id,
            )
        prefix = None if target is self else (self.import_names.get(target.namespace) or None)
        return Requirement(entry[0], target, entry[1], prefix)

    def link(self, models: dict[str, CompiledModel]) -> None:
        for ns, name in ((i.namespace, i.name) for i in self.definitions.imports):
            if ns in models:
                self.types.imports[name] = models[ns].types
        for d in self.definitions.decisions:
            refs = [*d.required_decisions, *d.required_inputs, *d.required_knowledge]
            self.requirements[d.id] = [self.resolve(h, models, d) for h in refs]
        for b in self.definitions.knowledge_models:
            self.requirements[b.id] = [self.resolve(h, models, b) for h in b.required_knowledge]
        for s in self.definitions.decision_services:
            refs = [*s.input_data, *s.input_decisions, *s.output_decisions]
            self.requirements[s.id] = [self.resolve(h, models, s) for h in refs]

    # -- compiling

    def env(self, kind: str, el: Element, names: Iterable[str], extra: frozenset[str]) -> Env:
        return Env(kind, el.id, el.name, frozenset(names) | extra, self.types, self.file)

    def type_of(self, item: m.InformationItem, el: Element) -> ft.FeelType | None:
        try:
            return self.types.resolve(item.type_ref)
        except TypeDefinitionError as e:
            raise DmnError(
                f"{el.name!r}: {e}", file=self.file, line=el.line, element_id=el.id
            ) from None

    def compile(self, extra: frozenset[str]) -> None:
        """Compile all logic; `extra` holds names every expression may use (components)."""
        d = self.definitions
        for i in d.input_data:
            self.types_of[i.id] = self.type_of(i.variable, i)
        for x in d.decisions:
            self.types_of[x.id] = self.type_of(x.variable, x)
        for s in d.decision_services:
            self.types_of[s.id] = self.type_of(s.variable, s)
        for x in d.decisions:
            env = self.env("decision", x, _visible(self.requirements[x.id]), extra)
            self.bodies[x.id] = compile_expression(x.expression, env)
        for b in d.knowledge_models:
            self.functions[b.id] = self._function(b, extra)

    def _function(self, b: m.BusinessKnowledgeModel, extra: frozenset[str]) -> Function:
        reqs = self.requirements[b.id]
        logic = b.logic
        declared = self.type_of(b.variable, b)
        if logic is None:
            return Function([], constant(None), None, reqs)
        params = [(p.name, self.type_of(p, b)) for p in logic.parameters]
        names = [*_visible(reqs), b.name, *(p for p, _ in params)]
        env = self.env("business knowledge model", b, names, extra)
        if logic.kind is not m.FunctionKind.FEEL:
            return Function(params, _external(b, logic.kind.value), None, reqs)
        body = compile_expression(logic.body, env)
        result = result_type(declared)
        if result is None:
            result = result_type(env.type_of(logic.type_ref, logic.line, logic.id))
        return Function(params, body, result, reqs)


def _external(b: m.BusinessKnowledgeModel, kind: str) -> Eval:
    message = f"business knowledge model {b.name!r}: {kind} functions are not supported"

    def fail(s: Scope, r: Run) -> Any:
        s.warn(message)
        return None

    return fail


def _visible(reqs: Sequence[Requirement]) -> list[str]:
    out: list[str] = []
    for r in reqs:
        out.append(r.name)
        if r.prefix:
            out.append(r.prefix)
    return out


def component_names(models: Iterable[CompiledModel]) -> frozenset[str]:
    """Every item-definition component and import name: paths may use them."""
    out: set[str] = set()

    def walk(items: Iterable[m.ItemDefinition]) -> None:
        for i in items:
            out.add(i.name)
            walk(i.components)

    for model in models:
        for i in model.definitions.item_definitions:
            walk(i.components)
        out.update(model.imports)
    out.discard("")
    return frozenset(out)


def check_cycles(models: Iterable[CompiledModel]) -> None:
    """Refuse a decision that (indirectly) requires itself."""
    state: dict[tuple[str, str], int] = {}  # 1 visiting, 2 done

    def visit(model: CompiledModel, d: m.Decision, path: list[str]) -> None:
        key = (model.namespace, d.id)
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            cycle = " -> ".join([*path[path.index(d.name) :], d.name])
            raise DmnError(
                f"the decisions require each other in a cycle: {cycle}",
                file=model.file,
                line=d.line,
                element_id=d.id,
            )
        state[key] = 1
        for r in model.requirements.get(d.id, []):
            if r.kind is Kind.DECISION and isinstance(r.element, m.Decision):
                visit(r.model, r.element, [*path, d.name])
        state[key] = 2

    for model in models:
        for d in model.definitions.decisions:
            visit(model, d, [])
