"""Camunda 7's jobs (list, count, retries)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: jobs"])
