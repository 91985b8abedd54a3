"""Forms of user tasks: submitted values checked against a Camunda Form or a JSON Schema.

>>> from regista.forms import validate_form
>>> validate_form({"components": [...]}, {"amount": 12})   # doctest: +SKIP
"""

from __future__ import annotations

from regista.forms.validation import FieldProblem, FormError, is_camunda_form, validate_form

__all__ = ["FieldProblem", "FormError", "is_camunda_form", "validate_form"]
