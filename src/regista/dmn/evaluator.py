"""Evaluating decisions and decision services of loaded models.

A decision is evaluated after the decisions and input data it requires (each at most once
per evaluation), in a scope holding exactly those, by name; elements of imported models
are seen as `import.Name`. With free variables (as a business rule task of a process
evaluates, like Camunda), every given input is visible by name as well, below what the
decision requires. Business knowledge models and decision services are FEEL
functions there. Values are checked against their declared types (null + warning).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from regista.dmn.boxed import make_function, result_type
from regista.dmn.drg import (
    CompiledModel,
    Kind,
    Requirement,
    check_cycles,
    component_names,
)
from regista.dmn.errors import DmnError, UnknownDecision
from regista.dmn.results import DecisionResult, RuleMatch, Run
from regista.dmn.typing import check, coerce
from regista.feel.builtins import builtins
from regista.feel.scope import MISSING, Scope, default_builtins
from regista.feel.values import FeelEvalError, FeelFunction, kind, to_feel
from regista.model import dmn as m

Key = tuple[str, str]  # (namespace, element id)


class Evaluation(Run):
    """One call of `decide` / `invoke` (or one decision service invocation inside it):
    the inputs, the values computed so far and the function values made so far."""

    __slots__ = (
        "active",
        "base",
        "functions",
        "inputs",
        "main",
        "memo",
        "models",
        "overrides",
        "results",
        "root",
        "service",
    )

    def __init__(
        self,
        models: DecisionModels,
        main: CompiledModel,
        inputs: Mapping[str, Any],
        warnings: list[str],
        matches: list[RuleMatch],
        *,
        service: bool = False,
        free: bool = False,
    ) -> None:
        super().__init__(warnings, matches)
        self.models = models
        self.main = main
        self.inputs = inputs
        self.root = Scope({}, None, warnings, models.builtins)
        # Decisions see the free variables (every input by name) under their requirements;
        # knowledge models and decision services never do.
        self.base = self.root.child(inputs) if free else self.root
        self.memo: dict[Key, Any] = {}
        self.overrides: dict[Key, Any] = {}
        self.results: dict[str, Any] = {}
        self.active: set[Key] = set()
        self.functions: dict[Key, FeelFunction] = {}
        self.service = service

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    # -- names

    def label(self, model: CompiledModel, name: str) -> str:
        """The name a result is reported under: plain in the main model, else prefixed."""
        if model is self.main:
            return name
        prefix = self.main.import_names.get(model.namespace) or model.name
        return f"{prefix}.{name}"

    def scope_of(self, reqs: Sequence[Requirement]) -> dict[str, Any]:
        """The variables an element sees: the values of what it requires, by name."""
        variables: dict[str, Any] = {}
        for r in reqs:
            value = self.value_of(r)
            if r.prefix:
                inner = variables.setdefault(r.prefix, {})
                if isinstance(inner, dict):
                    inner[r.name] = value
            else:
                variables[r.name] = value
        for r in reqs:
            if r.kind is Kind.DECISION and not r.prefix and isinstance(r.element, m.Decision):
                for alias, aliased in _camunda_aliases(r.element, variables.get(r.name)):
                    variables.setdefault(alias, aliased)
        return variables

    def value_of(self, r: Requirement) -> Any:
        el = r.element
        if r.kind is Kind.DECISION and isinstance(el, m.Decision):
            return self.decision(r.model, el)
        if r.kind is Kind.INPUT and isinstance(el, m.InputData):
            return self.input(r.model, el)
        return self.function(r.model, el)

    # -- input data

    def input(self, model: CompiledModel, i: m.InputData) -> Any:
        key = (model.namespace, i.id)
        if key in self.overrides:
            return self.overrides[key]
        if key in self.memo:
            return self.memo[key]
        value = None if self.service else self._given(model, i)
        if value is MISSING:
            self.warn(f"input data {self.label(model, i.name)!r} has no value; using null")
            value = None
        value = check(value, model.types_of.get(i.id), f"input data {i.name!r}", self.warnings)
        self.memo[key] = value
        return value

    def _given(self, model: CompiledModel, i: m.InputData) -> Any:
        inputs = self.inputs
        clark = f"{{{model.namespace}}}{i.name}"
        if clark in inputs:
            return inputs[clark]
        if model is self.main:
            return inputs.get(i.name, MISSING)
        for path in self.models.import_paths(self.main, model):
            dotted = ".".join([*path, i.name])
            if dotted in inputs:
                return inputs[dotted]
            ctx: Any = inputs
            for step in path:
                ctx = ctx.get(step) if isinstance(ctx, Mapping) else None
            if isinstance(ctx, Mapping) and i.name in ctx:
                return ctx[i.name]
        return MISSING

    # -- decisions

    def decision(self, model: CompiledModel, d: m.Decision) -> Any:
        key = (model.namespace, d.id)
        if key in self.overrides:
            return self.overrides[key]
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            self.warn(f"decision {d.name!r} requires itself; using null")
            return None
        self.active.add(key)
        try:
            scope = self.base.child(self.scope_of(model.requirements[d.id]))
            value = model.bodies[d.id](scope, self)
            value = check(value, model.types_of.get(d.id), f"decision {d.name!r}", self.warnings)
        finally:
            self.active.discard(key)
        self.memo[key] = value
        self.results[self.label(model, d.name)] = value
        return value

    # -- functions: business knowledge models and decision services

    def function(self, model: CompiledModel, el: Any) -> FeelFunction:
        key = (model.namespace, el.id)
        made = self.functions.get(key)
        if made is not None:
            return made
        if isinstance(el, m.BusinessKnowledgeModel):
            fn = model.functions[el.id]
            variables: dict[str, Any] = {}
            scope = self.root.child(variables)
            made = make_function(
                el.name,
                fn.params,
                fn.body,
                scope,
                self,
                fn.result,
                f"business knowledge model {el.name!r}",
            )
            self.functions[key] = made
            # Filled after registering, so that recursive and mutually recursive
            # knowledge models find each other.
            variables.update(self.scope_of(fn.requirements))
            variables.setdefault(el.name, made)
            return made
        service: m.DecisionService = el
        params = self.models.service_parameters(model, service)

        def call(*args: Any) -> Any:
            bound = dict(zip(params, args, strict=True))
            return self.models.call_service(self, model, service, bound, strict=True)[0]

        made = FeelFunction(service.name, [params], call)
        self.functions[key] = made
        return made


class DecisionModels:
    """Models loaded together (imports between them resolved), ready to evaluate.

    `decide` evaluates a decision, `invoke` a decision service. Inputs are keyed by input
    data name; input data of an imported model by `import.Name` (or a nested mapping
    under the import name), or of any model by `{namespace}Name`. Python values are
    converted to FEEL values. `clock` (returning an aware datetime) feeds `now()` and
    `today()`.
    """

    def __init__(
        self,
        definitions: Sequence[m.Definitions],
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if not definitions:
            raise DmnError("no models to load")
        self.models: list[CompiledModel] = [CompiledModel(d) for d in definitions]
        self.by_namespace: dict[str, CompiledModel] = {}
        for cm in self.models:
            if cm.namespace in self.by_namespace:
                raise DmnError(
                    f"two models have the namespace {cm.namespace!r}; namespaces must be unique",
                    file=cm.file,
                )
            self.by_namespace[cm.namespace] = cm
        if clock is None:
            self.builtins = default_builtins()
        else:
            self.builtins = builtins(clock)
        for cm in self.models:
            cm.link(self.by_namespace)
        check_cycles(self.models)
        extra = component_names(self.models)
        for cm in self.models:
            cm.compile(extra)
        imported = {i.namespace for cm in self.models for i in cm.definitions.imports}
        self.roots = [cm for cm in self.models if cm.namespace not in imported] or self.models
        self._paths: dict[tuple[str, str], list[tuple[str, ...]]] = {}

    # -- lookup

    def model(self, model: str | None = None) -> CompiledModel:
        """The model named `model` (name or namespace); by default the first one that no
        other loaded model imports."""
        if model is None:
            return self.roots[0]
        for cm in self.models:
            if model in (cm.name, cm.namespace):
                return cm
        raise DmnError(
            f"no model named {model!r}; loaded: " + ", ".join(repr(cm.name) for cm in self.models)
        )

    def names(self, model: str | None = None) -> list[str]:
        """The names of the decisions of a model (by default the main model)."""
        return [d.name for d in self.model(model).definitions.decisions]

    def import_paths(self, main: CompiledModel, target: CompiledModel) -> list[tuple[str, ...]]:
        """The chains of import names that lead from `main` to `target` (`B.A` when main
        imports B, which imports A), shortest first."""
        key = (main.namespace, target.namespace)
        found = self._paths.get(key)
        if found is not None:
            return found
        paths: list[tuple[str, ...]] = []
        frontier: list[tuple[CompiledModel, tuple[str, ...], frozenset[str]]] = [
            (main, (), frozenset([main.namespace]))
        ]
        while frontier:
            nxt: list[tuple[CompiledModel, tuple[str, ...], frozenset[str]]] = []
            for cm, path, seen in frontier:
                for name, ns in cm.imports.items():
                    sub = self.by_namespace.get(ns)
                    if sub is None or ns in seen:
                        continue
                    step = (*path, name) if name else path
                    if sub is target:
                        paths.append(step)
                    else:
                        nxt.append((sub, step, seen | {ns}))
            frontier = nxt
        self._paths[key] = paths
        return paths

    def service_names(self, model: str | None = None) -> list[str]:
        return [s.name for s in self.model(model).definitions.decision_services]

    def _find(self, what: str, name: str, model: str | None) -> tuple[CompiledModel, Any]:
        candidates = (
            [self.model(model)]
            if model is not None
            else self.roots + [cm for cm in self.models if cm not in self.roots]
        )
        for cm in candidates:
            table = cm.decision_names if what == "decision" else cm.service_names
            by_id = cm.decisions if what == "decision" else cm.services
            found = table.get(name) or by_id.get(name)
            if found is not None:
                return cm, found
        available = sorted(
            {
                el.name
                for cm in candidates
                for el in (
                    cm.definitions.decisions
                    if what == "decision"
                    else cm.definitions.decision_services
                )
            }
        )
        raise UnknownDecision(
            f"no {what} named {name!r}; available: "
            + (", ".join(repr(a) for a in available) or "none")
        )

    # -- evaluation

    def decide(
        self,
        decision: str,
        inputs: Mapping[str, Any],
        *,
        model: str | None = None,
        free_variables: bool = False,
    ) -> DecisionResult:
        """Evaluate the decision `decision` (name or id) with the given inputs.

        With `free_variables` every input is also visible by name to the decisions'
        expressions, not only those declared as input data (which still take precedence
        and are checked against their types) — how a process's variables reach a decision.
        """
        cm, d = self._find("decision", decision, model)
        run = Evaluation(self, cm, _feel_inputs(inputs), [], [], free=free_variables)
        value = run.decision(cm, d)
        return DecisionResult(value, dict(run.results), tuple(run.matches), _unique(run.warnings))

    def invoke(
        self, service: str, inputs: Mapping[str, Any], *, model: str | None = None
    ) -> DecisionResult:
        """Invoke the decision service `service` (name or id): its input data and input
        decisions are taken from `inputs` by name (null when absent)."""
        cm, ds = self._find("decision service", service, model)
        given = _feel_inputs(inputs)
        run = Evaluation(self, cm, given, [], [])
        bound = {p: given.get(p) for p in self.service_parameters(cm, ds)}
        value, results = self.call_service(run, cm, ds, bound)
        return DecisionResult(value, results, tuple(run.matches), _unique(run.warnings))

    def service_parameters(self, model: CompiledModel, ds: m.DecisionService) -> list[str]:
        """Parameter names of a decision service: its input data, then input decisions."""
        reqs = model.requirements[ds.id]
        n = len(ds.input_data) + len(ds.input_decisions)
        return [r.name for r in reqs[:n]]

    def call_service(
        self,
        caller: Evaluation,
        model: CompiledModel,
        ds: m.DecisionService,
        bound: Mapping[str, Any],
        *,
        strict: bool = False,
    ) -> tuple[Any, dict[str, Any]]:
        """Evaluate a decision service with its parameters bound: (value, results by
        output decision name). It sees nothing of the caller's inputs or decisions.

        A parameter that does not conform to its type is null, or with `strict` (a call
        from FEEL) fails the call: FeelEvalError."""
        run = Evaluation(self, caller.main, {}, caller.warnings, caller.matches, service=True)
        reqs = model.requirements[ds.id]
        n_params = len(ds.input_data) + len(ds.input_decisions)
        for r in reqs[:n_params]:
            t = r.model.types_of.get(r.element.id)
            given = bound.get(r.name)
            if strict:
                ok, value = coerce(given, t)
                if not ok:
                    raise FeelEvalError(
                        f"parameter {r.name!r} of decision service {ds.name!r} is a "
                        f"{kind(given)}, expected {t}"
                    )
            else:
                value = check(given, t, f"{r.kind.value} {r.name!r}", run.warnings)
            run.overrides[(r.model.namespace, r.element.id)] = value
        outputs: list[tuple[str, Any]] = []
        for r in reqs[n_params:]:
            if isinstance(r.element, m.Decision):
                outputs.append((r.name, run.decision(r.model, r.element)))
        what = f"decision service {ds.name!r}"
        declared = model.types_of.get(ds.id)
        if len(outputs) == 1:
            value = check(outputs[0][1], result_type(declared), what, run.warnings)
            results = {**run.results, outputs[0][0]: value}
            return value, results
        context = {k: v for k, v in outputs}
        value = check(context, result_type(declared), what, run.warnings)
        results = dict(run.results)
        for k, _ in outputs:
            results[k] = value.get(k) if isinstance(value, dict) else None
        return value, results


def _feel_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): to_feel(v) for k, v in inputs.items()}


def _unique(warnings: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(warnings))


def _camunda_aliases(d: m.Decision, value: Any) -> list[tuple[str, Any]]:
    """The other names Camunda's engines give a required decision's result: its id (as
    Camunda 8 models refer to it) and, for a decision table, its output names (as Camunda
    7 models do: the single output's value, or each output of the matched rule or rules).
    They never hide a name the standard binds."""
    aliases: list[tuple[str, Any]] = []
    if d.id != d.name:
        aliases.append((d.id, value))
    table = d.expression
    if not isinstance(table, m.DecisionTable):
        return aliases
    names = [o.name for o in table.outputs if o.name]
    if len(table.outputs) == 1 and names:
        aliases.append((names[0], value))
    elif isinstance(value, dict):
        aliases.extend((n, value.get(n)) for n in names)
    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
        aliases.extend((n, [v.get(n) for v in value]) for n in names)
    return aliases
