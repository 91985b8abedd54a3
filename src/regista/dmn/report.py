"""What an evaluation decided, in the shape Camunda 8 reports each decision evaluated: its
id, name and type, its output as JSON text, the inputs its table saw and the rules that
matched with their outputs. The API answers it and the engine records it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from regista.dmn.results import DecisionResult, RuleMatch
from regista.feel.plain import plain_value
from regista.model import dmn as m

__all__ = ["decision_type", "evaluated_decisions", "json_text"]


def json_text(value: Any) -> str:
    """A FEEL value as the JSON text Camunda answers for inputs, outputs and results."""
    return json.dumps(plain_value(value))


def decision_type(decision: m.Decision) -> str:
    """Camunda's type of a decision: DECISION_TABLE, LITERAL_EXPRESSION or UNSPECIFIED."""
    if isinstance(decision.expression, m.DecisionTable):
        return "DECISION_TABLE"
    if isinstance(decision.expression, m.LiteralExpression):
        return "LITERAL_EXPRESSION"
    return "UNSPECIFIED"


def _rules(match: RuleMatch) -> list[dict[str, Any]]:
    """The rules of a decision table that fired, each with the outputs it gave."""
    outputs = match.outputs or ((),) * len(match.rules)
    return [
        {
            "ruleId": rule_id,
            "ruleIndex": index,
            "evaluatedOutputs": [
                {
                    "outputId": o.id,
                    "outputName": o.name,
                    "outputValue": json_text(o.value),
                    "ruleId": rule_id,
                    "ruleIndex": index,
                }
                for o in given
            ],
        }
        for index, rule_id, given in zip(match.rules, match.rule_ids, outputs, strict=False)
    ]


def evaluated_decisions(
    result: DecisionResult, decisions: Iterable[m.Decision]
) -> list[dict[str, Any]]:
    """Each decision the evaluation ran (`result.results`, by name), with `decisions` the
    model's decisions: `decisionDefinitionId`, `decisionDefinitionName`,
    `decisionDefinitionType`, `output`, `matchedRules` and `evaluatedInputs`."""
    by_name = {d.name: d for d in decisions}
    matches: dict[str, list[dict[str, Any]]] = {}
    inputs: dict[str, list[dict[str, Any]]] = {}
    for match in result.matches:
        matches.setdefault(match.decision_id, []).extend(_rules(match))
        inputs.setdefault(match.decision_id, []).extend(
            {"inputId": i.id, "inputName": i.name, "inputValue": json_text(i.value)}
            for i in match.inputs
        )
    out: list[dict[str, Any]] = []
    for name, value in result.results.items():
        decision = by_name.get(name)
        decision_id = decision.id if decision is not None else name
        out.append(
            {
                "decisionDefinitionId": decision_id,
                "decisionDefinitionName": name,
                "decisionDefinitionType": (
                    decision_type(decision) if decision is not None else "UNSPECIFIED"
                ),
                "output": json_text(value),
                "matchedRules": matches.get(decision_id, []),
                "evaluatedInputs": inputs.get(decision_id, []),
            }
        )
    return out
