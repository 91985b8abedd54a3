"""Regista runtime layer (see DESIGN.md)."""
