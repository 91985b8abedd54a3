"""Regista dmn layer (see DESIGN.md)."""
