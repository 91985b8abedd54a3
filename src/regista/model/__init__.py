"""Regista model layer (see DESIGN.md)."""
