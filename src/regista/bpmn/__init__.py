"""Regista bpmn layer (see DESIGN.md)."""
