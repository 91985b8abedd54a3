"""DMN 1.1–1.5 decision models as immutable values: the DRG, item definitions and every
boxed expression.

The parser (`regista.dmn.parser`) builds these from XML; the evaluator compiles them. FEEL
text is kept as text here: the model has no behaviour. Every element keeps the line of its
XML start tag (0 when unknown), so errors found later can still point into the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

# ---------------------------------------------------------------- references


@dataclass(frozen=True)
class Href:
    """A reference to a DRG element: `#id` in the same model, or `namespace#id`."""

    namespace: str  # "" for the referring model itself
    element_id: str

    def __str__(self) -> str:
        return f"{self.namespace}#{self.element_id}"


@dataclass(frozen=True)
class InformationItem:
    """A named, optionally typed variable: a decision's variable, a parameter, a column."""

    name: str
    type_ref: str | None = None
    id: str = ""


# ---------------------------------------------------------------- item definitions


@dataclass(frozen=True)
class FunctionItem:
    """The signature of a function type: parameters and output type."""

    parameters: tuple[InformationItem, ...] = ()
    output_type_ref: str | None = None


@dataclass(frozen=True)
class ItemDefinition:
    """A data type: a typeRef (possibly a collection of it), components (a context type)
    or a function signature, optionally restricted by allowed values / a type constraint
    (both FEEL unary tests)."""

    name: str
    id: str = ""
    label: str | None = None
    type_ref: str | None = None
    components: tuple[ItemDefinition, ...] = ()
    is_collection: bool = False
    allowed_values: str | None = None
    type_constraint: str | None = None
    function_item: FunctionItem | None = None
    type_language: str | None = None
    line: int = 0


# ---------------------------------------------------------------- boxed expressions


@dataclass(frozen=True)
class Expression:
    """Base of the boxed expressions; `type_ref` is the declared type of the result."""

    id: str
    type_ref: str | None
    line: int


@dataclass(frozen=True)
class LiteralExpression(Expression):
    text: str
    expression_language: str | None = None


class HitPolicy(Enum):
    UNIQUE = "UNIQUE"
    FIRST = "FIRST"
    PRIORITY = "PRIORITY"
    ANY = "ANY"
    COLLECT = "COLLECT"
    RULE_ORDER = "RULE ORDER"
    OUTPUT_ORDER = "OUTPUT ORDER"


class Aggregation(Enum):
    SUM = "SUM"
    COUNT = "COUNT"
    MIN = "MIN"
    MAX = "MAX"


@dataclass(frozen=True)
class Cell:
    """One decision-table entry: unary tests (input entry) or an expression (output)."""

    text: str
    id: str = ""
    line: int = 0


@dataclass(frozen=True)
class InputClause:
    id: str
    label: str | None
    expression: LiteralExpression
    input_values: Cell | None = None


@dataclass(frozen=True)
class OutputClause:
    id: str
    name: str | None
    label: str | None
    type_ref: str | None
    output_values: Cell | None = None
    default_output_entry: Cell | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    input_entries: tuple[Cell, ...]
    output_entries: tuple[Cell, ...]
    annotations: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class DecisionTable(Expression):
    inputs: tuple[InputClause, ...]
    outputs: tuple[OutputClause, ...]
    rules: tuple[Rule, ...]
    hit_policy: HitPolicy = HitPolicy.UNIQUE
    aggregation: Aggregation | None = None
    annotations: tuple[str, ...] = ()
    output_label: str | None = None
    preferred_orientation: str | None = None


@dataclass(frozen=True)
class ContextEntry:
    """An entry of a boxed context; without a variable it is the context's result."""

    variable: InformationItem | None
    value: Expression | None


@dataclass(frozen=True)
class Context(Expression):
    entries: tuple[ContextEntry, ...]


@dataclass(frozen=True)
class Relation(Expression):
    columns: tuple[InformationItem, ...]
    rows: tuple[tuple[Expression | None, ...], ...]


@dataclass(frozen=True)
class ListExpression(Expression):
    items: tuple[Expression | None, ...]


@dataclass(frozen=True)
class Binding:
    parameter: InformationItem
    value: Expression | None


@dataclass(frozen=True)
class Invocation(Expression):
    called: Expression | None
    bindings: tuple[Binding, ...]


@dataclass(frozen=True)
class Conditional(Expression):
    condition: Expression | None
    then: Expression | None
    otherwise: Expression | None


class IteratorKind(Enum):
    FOR = "for"
    SOME = "some"
    EVERY = "every"


@dataclass(frozen=True)
class Iteration(Expression):
    """A boxed `for` (body is `return`) or `some` / `every` (body is `satisfies`)."""

    kind: IteratorKind
    variable: str
    source: Expression | None
    body: Expression | None


@dataclass(frozen=True)
class Filter(Expression):
    source: Expression | None
    match: Expression | None


class FunctionKind(Enum):
    FEEL = "FEEL"
    JAVA = "Java"
    PMML = "PMML"


@dataclass(frozen=True)
class FunctionDefinition(Expression):
    parameters: tuple[InformationItem, ...]
    body: Expression | None
    kind: FunctionKind = FunctionKind.FEEL


@dataclass(frozen=True)
class UnsupportedExpression(Expression):
    """A boxed expression of an unknown kind; evaluating it gives null with a warning."""

    tag: str


# ---------------------------------------------------------------- the DRG


@dataclass(frozen=True)
class InputData:
    id: str
    name: str
    variable: InformationItem
    line: int = 0


@dataclass(frozen=True)
class Decision:
    id: str
    name: str
    variable: InformationItem
    required_decisions: tuple[Href, ...] = ()
    required_inputs: tuple[Href, ...] = ()
    required_knowledge: tuple[Href, ...] = ()
    expression: Expression | None = None
    label: str | None = None
    question: str | None = None
    line: int = 0


@dataclass(frozen=True)
class BusinessKnowledgeModel:
    id: str
    name: str
    variable: InformationItem
    logic: FunctionDefinition | None = None
    required_knowledge: tuple[Href, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class DecisionService:
    id: str
    name: str
    variable: InformationItem
    output_decisions: tuple[Href, ...] = ()
    encapsulated_decisions: tuple[Href, ...] = ()
    input_decisions: tuple[Href, ...] = ()
    input_data: tuple[Href, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Import:
    """An import of another model: its elements are named `name.element` here."""

    namespace: str
    name: str
    import_type: str
    location_uri: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Definitions:
    """One DMN model file."""

    id: str
    name: str
    namespace: str
    dmn_version: str
    expression_language: str | None = None
    type_language: str | None = None
    imports: tuple[Import, ...] = ()
    item_definitions: tuple[ItemDefinition, ...] = ()
    input_data: tuple[InputData, ...] = ()
    decisions: tuple[Decision, ...] = ()
    knowledge_models: tuple[BusinessKnowledgeModel, ...] = ()
    decision_services: tuple[DecisionService, ...] = ()
    file: str | None = None
    prefixes: tuple[tuple[str, str], ...] = field(default=())
