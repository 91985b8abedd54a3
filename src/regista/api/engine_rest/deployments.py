"""Camunda 7's deployments (deployment/create, list, get)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: deployments"])
