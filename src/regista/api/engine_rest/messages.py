"""Camunda 7's messages and signals (POST /message, POST /signal)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: messages"])
