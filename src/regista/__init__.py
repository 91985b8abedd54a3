"""Regista: a process orchestration engine for BPMN 2.0 processes and DMN decisions."""

__version__ = "0.1.0"
