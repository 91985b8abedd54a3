"""Simulated systems of the fashion demo (`order-to-return`): the payment provider, the
warehouse, the carrier. Outcomes follow from the job's variables, so a run is repeatable
given its inputs."""

from __future__ import annotations

import hashlib
from typing import Any

from regista.runtime.workers import ActivatedJob, worker


def _code(prefix: str, order_id: str) -> str:
    """A stable reference of a system for an order (same order, same reference)."""
    digest = hashlib.sha256(f"{prefix}:{order_id}".encode()).hexdigest()[:8].upper()
    return f"{prefix}-{digest}"


@worker("fashion-payment-request")
def request_payment(job: ActivatedJob) -> dict[str, Any]:
    """Ask the payment provider for a payment link; it confirms with a message later."""
    order = str(job.variables.get("orderId", ""))
    return {"paymentReference": _code("PAY", order)}


@worker("fashion-payment-capture")
def capture_payment(job: ActivatedJob) -> dict[str, Any]:
    """Capture the authorised amount."""
    return {"captured": job.variables.get("amount", 0)}


@worker("fashion-payment-refund")
def refund_payment(job: ActivatedJob) -> dict[str, Any]:
    """Refund what was captured (the compensation of the capture)."""
    return {"refunded": job.variables.get("captured", 0)}


@worker("fashion-warehouse-pick")
def pick_items(job: ActivatedJob) -> dict[str, Any]:
    """Pick and pack the items: one box per three items."""
    items = job.variables.get("items") or []
    count = len(items) if isinstance(items, list) else 1
    return {"boxes": max(1, (count + 2) // 3)}


@worker("fashion-carrier-booking")
def book_carrier(job: ActivatedJob) -> dict[str, Any]:
    """Book the carrier: express for orders over 2,000."""
    amount = float(job.variables.get("amount", 0) or 0)
    return {"carrier": "express" if amount > 2000 else "standard"}


@worker("fashion-ship")
def ship(job: ActivatedJob) -> dict[str, Any]:
    """Hand the parcel to the carrier; its tracking number follows from the order."""
    return {"trackingNumber": _code("TRK", str(job.variables.get("orderId", "")))}
