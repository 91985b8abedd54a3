"""The decisions of deployed DMN models, each a versioned row of its own.

A DMN model (a decision requirements graph) is stored under `dmn:<namespace>`; each of its
decisions also gets a row under `decision:<decision id>` whose source names the DRG row, so
that every decision has a key and a version of its own, as Camunda 8 clients expect. A
decision's version moves when the model holding it changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regista.dmn import DecisionModels, DecisionResult, DmnError
from regista.dmn.parser import parse_bytes
from regista.model import dmn as dmn_model
from regista.runtime.errors import NotFoundError, RequestError
from regista.store import Definition, Transaction

__all__ = [
    "DECISION_PREFIX",
    "DeployedDecision",
    "decision_of",
    "decision_sources",
    "evaluate_decision",
    "find_decision",
]

DECISION_PREFIX = "decision:"


@dataclass(frozen=True, slots=True)
class DeployedDecision:
    """One version of one decision: its key (the definition id), id, name and version, and
    the DRG it belongs to (its key, id and name)."""

    key: str
    decision_id: str
    name: str
    version: int
    requirements_key: str
    requirements_id: str
    requirements_name: str
    kind: str
    resource_name: str | None


def decision_sources(model: dmn_model.Definitions, drg_key: str) -> list[tuple[str, str]]:
    """(row name, source) of each decision of a DRG stored under `drg_key`."""
    out: list[tuple[str, str]] = []
    for decision in model.decisions:
        kind = (
            "DECISION_TABLE"
            if isinstance(decision.expression, dmn_model.DecisionTable)
            else "LITERAL_EXPRESSION"
            if isinstance(decision.expression, dmn_model.LiteralExpression)
            else "UNSPECIFIED"
        )
        source = {
            "decisionId": decision.id,
            "name": decision.name,
            "type": kind,
            "requirementsKey": drg_key,
            "requirementsId": model.id,
            "requirementsName": model.name,
        }
        out.append((DECISION_PREFIX + decision.id, json.dumps(source, sort_keys=True)))
    return out


def decision_of(row: Definition) -> DeployedDecision:
    """A stored decision row, read."""
    data = json.loads(row.source)
    return DeployedDecision(
        key=row.id,
        decision_id=str(data["decisionId"]),
        name=str(data.get("name") or data["decisionId"]),
        version=row.version,
        requirements_key=str(data["requirementsKey"]),
        requirements_id=str(data.get("requirementsId") or ""),
        requirements_name=str(data.get("requirementsName") or ""),
        kind=str(data.get("type") or "UNSPECIFIED"),
        resource_name=row.resource_name,
    )


def find_decision(tx: Transaction, *, key: str | None, decision_id: str | None) -> Definition:
    """The decision row named by its key, or the latest version of `decision_id`."""
    if key is not None:
        row = tx.get_definition(key)
        if row is None or not row.process_id.startswith(DECISION_PREFIX):
            raise NotFoundError(f"there is no decision definition with the key {key!r}")
        return row
    assert decision_id is not None
    found = tx.latest_definition(DECISION_PREFIX + decision_id)
    if found is None:
        raise NotFoundError(f"no decision {decision_id!r} is deployed")
    return found


def evaluate_decision(
    tx: Transaction, row: Definition, variables: Mapping[str, Any]
) -> tuple[DeployedDecision, dmn_model.Definitions, DecisionResult]:
    """Evaluate a stored decision version with `variables` (each visible by name to its
    expressions, as a process's variables are to a business rule task)."""
    decision = decision_of(row)
    drg = tx.get_definition(decision.requirements_key)
    if drg is None:  # pragma: no cover - a decision row is written with its model
        raise NotFoundError(f"the model of the decision {decision.decision_id!r} is gone")
    try:
        model = parse_bytes(drg.source.encode("utf-8"), file=drg.resource_name)
        result = DecisionModels([model]).decide(
            decision.decision_id, variables, free_variables=True
        )
    except DmnError as exc:
        raise RequestError(f"cannot evaluate {decision.decision_id!r}: {exc}") from exc
    return decision, model, result
