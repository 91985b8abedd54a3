"""The connector configuration checks of `regista validate`; they live with the model
(`regista.bpmn.connector_checks`) so that deploying refuses what validation calls an error."""

from __future__ import annotations

from regista.bpmn.connector_checks import CONNECTOR_TYPES, check, unknown_job_types

__all__ = ["CONNECTOR_TYPES", "check", "unknown_job_types"]
