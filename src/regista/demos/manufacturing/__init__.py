"""Manufacturing demo: non-conformance handling with triage, supplier notice and CAPA."""
