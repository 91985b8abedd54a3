"""Camunda 7's external tasks (fetchAndLock, complete, failure, bpmnError, extendLock, unlock)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: external_tasks"])
