"""Simulated systems of the manufacturing demo (`non-conformance`, `corrective-action`):
the supplier portal, purchasing's alerts and the verification on the next lots. Outcomes
follow from the job's variables, so a run is repeatable given its inputs."""

from __future__ import annotations

from typing import Any

from regista.runtime.workers import ActivatedJob, worker


@worker("mfg-supplier-notice")
def notify_supplier(job: ActivatedJob) -> dict[str, Any]:
    """Post the non-conformance on the supplier portal; the supplier acknowledges later
    with a `supplier-acknowledgement` message keyed by the non-conformance id."""
    return {"supplierNotified": True, "supplierTicket": f"SUP-{job.variables.get('ncId', '')}"}


@worker("mfg-purchasing-alert")
def alert_purchasing(job: ActivatedJob) -> dict[str, Any]:
    """Tell purchasing that the supplier did not answer in time."""
    return {"purchasingAlerted": True}


@worker("mfg-capa-verification")
def verify_action(job: ActivatedJob) -> dict[str, Any]:
    """Check the next production lots: an action on people or measurement alone does not
    hold (the defect comes back), any other root cause is fixed."""
    cause = str(job.variables.get("rootCause", ""))
    return {"effective": cause not in ("people", "measurement")}
