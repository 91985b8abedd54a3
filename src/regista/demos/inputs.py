"""What the demo traffic draws from its random source: the start variables of each demo's
process, what a person answers in each user task (fitting the task's form), and the
messages the outside world sends later (a payment confirmed, a supplier's acknowledgement,
a distributor's answer).

Each function takes the `random.Random` to draw from, so a seed gives the same inputs.
The short deadlines (`paymentWindow`, `returnWindow`, ...) replace the models' business
defaults (an hour, 30 days) so that timers fire while someone watches.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from regista.demos.banking.workers import SANCTIONED

__all__ = ["ANSWERS", "STARTS", "Later", "Start"]

FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Linus")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton")
ITEMS = ("bag", "scarf", "shoes", "belt", "coat", "watch", "sunglasses", "tie")
COUNTRIES = ("DE", "FR", "IT", "ES", "NL", "AT", "BE")


@dataclass(frozen=True, slots=True)
class Later:
    """A message to publish `after` ticks of the traffic (with `key` and `variables`)."""

    after: int
    name: str
    key: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Start:
    """An instance to start: its business key, variables and the messages it will get."""

    key: str
    variables: dict[str, Any]
    later: tuple[Later, ...] = ()


def _banking(rng: random.Random, serial: str) -> Start:
    applicant = f"A-{rng.randrange(100_000, 1_000_000)}"
    name = (
        rng.choice(sorted(SANCTIONED))
        if rng.random() < 0.03
        else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    )
    document = ("X" if rng.random() < 0.05 else "P") + f"{rng.randrange(10**7):07d}"
    variables = {
        "applicantId": applicant,
        "applicantName": name,
        "documentNumber": document,
        "countryRisk": rng.choices(("low", "medium", "high"), (6, 3, 1))[0],
        "monthlyVolume": rng.choice((500, 2_000, 8_000, 25_000, 150_000)),
        "approvalDeadline": "PT3M",
    }
    return Start(applicant, variables)


def _fashion(rng: random.Random, serial: str) -> Start:
    order = f"FSH-{serial}"
    items = rng.sample(ITEMS, rng.randint(1, 4))
    variables = {
        "orderId": order,
        "amount": rng.choice((180, 450, 890, 1_650, 2_400, 5_900)),
        "items": items,
        "paymentWindow": "PT2M",
        "returnWindow": "PT5M",
    }
    later: list[Later] = []
    if rng.random() < 0.9:  # one order in ten is never paid and gets cancelled
        paid = rng.randint(1, 3)
        later.append(Later(paid, "payment-confirmed", order))
        if rng.random() < 0.3:
            later.append(Later(paid + rng.randint(5, 15), "return-requested", order))
    return Start(order, variables, tuple(later))


def _manufacturing(rng: random.Random, serial: str) -> Start:
    nc = f"NC-{serial}"
    variables = {
        "ncId": nc,
        "partNumber": f"GB-{rng.randrange(100, 999)}",
        "line": f"L{rng.randint(1, 4)}",
        "supplierDeadline": "PT3M",
    }
    later: tuple[Later, ...] = ()
    if rng.random() < 0.8:  # the others stay silent and purchasing is alerted
        later = (Later(rng.randint(4, 12), "supplier-acknowledgement", nc),)
    return Start(nc, variables, later)


def _utilities(rng: random.Random, serial: str) -> Start:
    switch = f"SW-{serial}"
    valid = rng.random() < 0.95
    digits = "".join(str(rng.randrange(10)) for _ in range(31))
    variables = {
        "switchId": switch,
        "meterPoint": rng.choice(COUNTRIES) + digits if valid else digits[:11],
        "requestedOn": dt.date(2026, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "noticeMonths": rng.choice((0, 1, 1, 3)),
        "address": f"{rng.randint(1, 200)} {rng.choice(LAST_NAMES)} Street",
        "distributorDeadline": "PT3M",
    }
    later: tuple[Later, ...] = ()
    if rng.random() < 0.85:  # the others time out and customer service chases them
        answer = {"accepted": rng.random() < 0.9, "meterChange": rng.random() < 0.4}
        later = (Later(rng.randint(2, 8), "distributor-answer", switch, answer),)
    return Start(switch, variables, later)


#: How to draw the start of each demo's process (by process id), given the start's serial
#: (unique in the run: the run's tag and the start's number), which its keys carry.
STARTS: dict[str, Callable[[random.Random, str], Start]] = {
    "kyc-onboarding": _banking,
    "order-to-return": _fashion,
    "non-conformance": _manufacturing,
    "supplier-switch": _utilities,
}


def _approve(rng: random.Random) -> dict[str, Any]:
    approved = rng.random() < 0.85
    return {"approved": approved, "comment": "" if approved else "source of funds unclear"}


def _inspect(rng: random.Random) -> dict[str, Any]:
    condition = rng.choices(("as-new", "worn", "damaged"), (6, 3, 1))[0]
    return {"condition": condition, "restock": condition == "as-new"}


def _report(rng: random.Random) -> dict[str, Any]:
    return {
        "severity": rng.choices(("minor", "major", "critical"), (5, 3, 2))[0],
        "origin": rng.choice(("supplier", "internal")),
        "quantity": rng.choice((3, 12, 40, 150, 600)),
        "description": rng.choice(("scratches", "wrong dimension", "cracked weld", "burrs")),
    }


def _root_cause(rng: random.Random) -> dict[str, Any]:
    cause = rng.choices(("material", "machine", "method", "people", "measurement"), (3, 3, 2, 1, 1))
    return {"rootCause": cause[0], "action": "fixed at the source, checked on three lots"}


def _review(rng: random.Random) -> dict[str, Any]:
    return {"managementDecision": rng.choice(("change-supplier", "redesign", "extra-inspection"))}


def _appointment(rng: random.Random) -> dict[str, Any]:
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
    return {
        "appointmentDate": day.isoformat(),
        "timeSlot": rng.choice(("morning", "afternoon", "evening")),
        "technician": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
    }


def _chase(rng: random.Random) -> dict[str, Any]:
    return {"chaseNotes": rng.choice(("backlog at the desk", "request lost, sent again"))}


#: What a person answers in each demo user task (by element id), fitting its form.
ANSWERS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "kyc_approve": _approve,
    "fsh_inspect_return": _inspect,
    "mfg_quality_report": _report,
    "capa_root_cause": _root_cause,
    "mfg_management_review": _review,
    "utl_schedule_technician": _appointment,
    "utl_chase_distributor": _chase,
}
