"""The web UI served by `regista server`: the cockpit (operators), the tasklist (people)
and the modeler (design), as pages rendered on the server with a little JavaScript and the
vendored bpmn.io libraries. Everything the UI does goes through the API, as the signed-in
user (`regista.ui.gateway`)."""

from regista.ui.app import UiOptions, mount_ui

__all__ = ["UiOptions", "mount_ui"]
