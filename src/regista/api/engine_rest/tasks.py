"""Camunda 7's user tasks (list, count, claim, unclaim, assignee, complete, form variables)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: tasks"])
