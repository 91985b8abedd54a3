"""Simulated systems of the banking demo (`kyc-onboarding`): the document checker, the
sanctions screening service, the escalation desk and the core banking system.

Every outcome is a function of the job's variables, so a run is repeatable given the inputs
(the traffic generator draws them from a seeded random source). The screening service is
unavailable for one applicant in ten — those whose `applicantId` ends in 7 — and fails
with no retries left, so each such application stops in an incident. The operator's fix:
screen the applicant by hand, record the result as the variable `manualScreening` (true
for a hit) and retry the incident.
"""

from __future__ import annotations

import hashlib
from typing import Any

from regista.runtime.workers import ActivatedJob, BpmnError, JobFailure, worker

__all__ = ["SANCTIONED", "UNAVAILABLE_SUFFIX", "is_screening_unavailable"]

#: Names on the demo sanctions list (fictional): a hit is never onboarded.
SANCTIONED = frozenset({"Boris Blocklisted", "Sally Sanctioned"})
#: Applicant ids ending in this digit meet an unavailable screening service (one in ten).
UNAVAILABLE_SUFFIX = "7"


def is_screening_unavailable(applicant_id: str) -> bool:
    """Whether the screening service fails for this applicant (one id in ten)."""
    return applicant_id.endswith(UNAVAILABLE_SUFFIX)


@worker("kyc-documents")
def check_documents(job: ActivatedJob) -> dict[str, Any]:
    """Check the identity document: numbers starting with X are expired (a BPMN error the
    model catches and declines)."""
    number = str(job.variables.get("documentNumber", ""))
    if not number or number.upper().startswith("X"):
        raise BpmnError("DOCUMENTS_REJECTED", f"document {number or '(none)'} is not valid")
    return {"documentsChecked": True}


@worker("kyc-sanctions")
def screen_sanctions(job: ActivatedJob) -> dict[str, Any]:
    """Screen the applicant's name; the service is unavailable for one applicant in ten
    (an incident, since retrying at once would not help) unless an operator recorded a
    manual screening (`manualScreening`)."""
    applicant = str(job.variables.get("applicantId", ""))
    manual = job.variables.get("manualScreening")
    if isinstance(manual, bool):
        return {"sanctionsHit": manual, "screenedBy": "manual"}
    if is_screening_unavailable(applicant):
        raise JobFailure(
            f"sanctions screening service unavailable for applicant {applicant} "
            "(HTTP 503); screen by hand, set the variable manualScreening (true for a hit) "
            "and retry the incident",
            retries=0,
        )
    name = str(job.variables.get("applicantName", ""))
    return {"sanctionsHit": name in SANCTIONED}


@worker("kyc-escalation")
def escalate(job: ActivatedJob) -> dict[str, Any]:
    """Tell the head of compliance that an approval is late."""
    return {"escalatedTo": "head-of-compliance"}


@worker("kyc-open-account")
def open_account(job: ActivatedJob) -> dict[str, Any]:
    """Open the account in the core banking system: the IBAN follows from the applicant."""
    applicant = str(job.variables.get("applicantId", ""))
    digits = int(hashlib.sha256(applicant.encode()).hexdigest()[:12], 16) % 10**10
    return {"iban": f"XR00REGI{digits:010d}", "accountOpened": True}
