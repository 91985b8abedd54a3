"""Regista cli layer (see DESIGN.md)."""
