"""The banking demo's screening incident can be fixed as its README says: an operator
records a manual screening and retries, and the application goes on — while a retry
without it meets the unavailable service again."""

from __future__ import annotations

from regista.demos.banking.workers import is_screening_unavailable
from regista.demos.catalog import DEMOS
from regista.runtime.workers import load_workers
from regista.testing import LocalRuntime

BANKING = next(d for d in DEMOS if d.name == "banking")
APPLICATION = {
    "applicantId": "A-5557",
    "applicantName": "Ada Lovelace",
    "documentNumber": "P1234567",
    "countryRisk": "low",
    "monthlyVolume": 100,
}


def test_one_applicant_id_in_ten_meets_the_unavailable_service() -> None:
    ids = [f"A-{n}" for n in range(1000, 2000)]
    assert sum(is_screening_unavailable(i) for i in ids) == 100


def test_a_manual_screening_and_a_retry_resolve_the_incident() -> None:
    with LocalRuntime(workers=load_workers(BANKING.workers_module)) as rt:
        rt.deploy(*BANKING.files())
        instance = rt.start("kyc-onboarding", APPLICATION)
        assert rt.instance(instance).status == "incident"
        rt.resolve_incident(instance)
        assert rt.instance(instance).status == "incident"  # the service is still down
        rt.set_variables(instance, {"manualScreening": False})
        rt.resolve_incident(instance)
        done = rt.instance(instance)
        assert done.status == "completed", done
        assert done.variables["screenedBy"] == "manual"
        assert done.passed[-1] == "kyc_account_opened"
