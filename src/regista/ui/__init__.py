"""Regista ui layer (see DESIGN.md)."""
