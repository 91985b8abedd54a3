"""The decisions of deployed DMN models, each a versioned row of its own.

A DMN model (a decision requirements graph) is stored under `dmn:<namespace>`; each of its
decisions also gets a row under `decision:<decision id>` whose source names the DRG row, so
that every decision has a key and a version of its own, as Camunda 8 clients expect. A
decision's version moves when the model holding it changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from regista.model import dmn as dmn_model
from regista.store import Definition

__all__ = ["DECISION_PREFIX", "DeployedDecision", "decision_of", "decision_sources"]

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
