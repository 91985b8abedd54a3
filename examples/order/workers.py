"""Python workers for the order example: `regista run ... --worker examples/order/workers.py`."""

from __future__ import annotations

from typing import Any

from regista.testing import ActivatedJob, BpmnError, worker


@worker("payment")
def charge(job: ActivatedJob) -> dict[str, Any]:
    """Charge the customer's card; cards starting with 4000 are declined (a BPMN error)."""
    card = str(job.variables.get("card", "4242"))
    if card.startswith("4000"):
        raise BpmnError("CARD_DECLINED", f"card {card} was declined")
    return {"transactionId": f"tx-{job.variables.get('orderId', 'unknown')}", "charged": True}
