"""Simulated systems of the utilities demo (`supplier-switch`): the contract system, the
distributor's switching gateway and billing. Outcomes follow from the job's variables, so
a run is repeatable given its inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from regista.runtime.workers import ActivatedJob, worker


def meter_point_valid(meter_point: str) -> bool:
    """A meter point id is valid when it has 33 characters and starts with a country code
    (the demo's simplified rule of a European metering point id)."""
    return len(meter_point) == 33 and meter_point[:2].isalpha()


@worker("utility-contract-check")
def check_contract(job: ActivatedJob) -> dict[str, Any]:
    """Check the meter point and the old contract's notice: the switch date is the first
    of the month after the notice period (default one month)."""
    meter_point = str(job.variables.get("meterPoint", ""))
    notice = int(job.variables.get("noticeMonths", 1) or 0)
    requested = str(job.variables.get("requestedOn", "2026-01-15"))
    try:
        day = dt.date.fromisoformat(requested)
    except ValueError:
        return {"contractValid": False, "rejection": f"requestedOn {requested!r} is no date"}
    month = day.month - 1 + notice + 1
    switch = dt.date(day.year + month // 12, month % 12 + 1, 1)
    if not meter_point_valid(meter_point):
        return {"contractValid": False, "rejection": f"unknown meter point {meter_point!r}"}
    return {"contractValid": True, "switchDate": switch.isoformat()}


@worker("utility-distributor-request")
def request_distributor(job: ActivatedJob) -> dict[str, Any]:
    """Send the switch to the distributor's gateway; it answers with a `distributor-answer`
    message keyed by the switch id."""
    attempts = int(job.variables.get("distributorRequests", 0) or 0)
    return {"distributorRequests": attempts + 1}


@worker("utility-billing-activation")
def activate_billing(job: ActivatedJob) -> dict[str, Any]:
    """Start billing on the switch date."""
    return {"billingActive": True, "billingStarts": job.variables.get("switchDate")}
