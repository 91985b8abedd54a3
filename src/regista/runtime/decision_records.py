"""The decisions the engine evaluated, recorded for `/v2/decision-instances`: those of a
business rule task (the engine's `decision_evaluated` history event, recorded in the unit
of work that carries it out) and those asked for through the API (recorded in a
transaction of their own). Each decision of an evaluation is a row keyed
`<evaluation key>-<n>`, in the shapes `dmn.report` gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from regista.engine import History
from regista.runtime.decisions import DECISION_PREFIX
from regista.runtime.definitions import Model
from regista.store import DecisionInstance, Store, Transaction

__all__ = ["DECISION_EVALUATED", "record_decisions", "record_evaluation"]

#: The kind of the history event of a business rule task's evaluation.
DECISION_EVALUATED = "decision_evaluated"


def _row(
    evaluation: str, n: int, item: Mapping[str, Any], now: dt.datetime, **more: Any
) -> DecisionInstance:
    return DecisionInstance(
        key=f"{evaluation}-{n}",
        evaluation_key=evaluation,
        decision_id=str(item["decisionDefinitionId"]),
        decision_name=str(item["decisionDefinitionName"]),
        decision_type=str(item.get("decisionDefinitionType") or "UNSPECIFIED"),
        evaluated_at=now,
        result=str(item["output"]),
        inputs=tuple(item.get("evaluatedInputs") or ()),
        rules=tuple(item.get("matchedRules") or ()),
        **more,
    )


def record_evaluation(
    store: Store, evaluation: str, evaluated: Sequence[Mapping[str, Any]], now: dt.datetime
) -> None:
    """Record the decisions of an evaluation asked for through the API (each with its
    `decisionDefinitionKey` and `decisionDefinitionVersion`)."""
    rows = [
        _row(
            evaluation,
            n,
            item,
            now,
            definition_key=item.get("decisionDefinitionKey"),
            version=item.get("decisionDefinitionVersion"),
        )
        for n, item in enumerate(evaluated, start=1)
    ]
    with store.transaction() as tx:
        tx.insert_decision_instances(rows)


def record_decisions(
    tx: Transaction,
    event: History,
    instance_id: str,
    model: Model,
    now: dt.datetime,
    ids: Callable[[], str],
) -> None:
    """Record a business rule task's evaluation (its `decision_evaluated` history event):
    each decision with the version deployed latest, which the engine evaluates."""
    evaluation = ids()
    rows: list[DecisionInstance] = []
    for n, item in enumerate(event.data.get("decisions") or (), start=1):
        latest = tx.latest_definition(DECISION_PREFIX + str(item["decisionDefinitionId"]))
        rows.append(
            _row(
                evaluation,
                n,
                item,
                now,
                definition_key=latest.id if latest is not None else None,
                version=latest.version if latest is not None else None,
                instance_id=instance_id,
                element_instance_id=event.element_instance_id,
                process_definition_key=model.definition_id,
            )
        )
    if rows:
        tx.insert_decision_instances(rows)
