"""The deployed models behind the history: element names for the tables and the event
logs, and the flows and elements that deviations are measured against."""

from __future__ import annotations

from dataclasses import dataclass

from regista.bpmn import BpmnParseError, parse
from regista.insight.database import EventDatabase
from regista.model.bpmn import Process

__all__ = ["DeployedModel", "ModelCache"]


@dataclass(frozen=True, slots=True)
class DeployedModel:
    """One deployed version of one process, parsed."""

    definition_id: str
    process_id: str
    version: int
    process: Process | None
    """None when the stored source no longer parses (a newer Regista wrote it)."""

    def name(self, element_id: str) -> str:
        """The element's name, else its id."""
        if self.process is None:
            return element_id
        node = self.process.elements.get(element_id)
        return (node.name if node is not None else None) or element_id


class ModelCache:
    """Deployed models by definition id, each read and parsed once."""

    def __init__(self, db: EventDatabase) -> None:
        self._db = db
        self._models: dict[str, DeployedModel | None] = {}

    def get(self, definition_id: str | None) -> DeployedModel | None:
        if definition_id is None:
            return None
        if definition_id not in self._models:
            self._models[definition_id] = self._load(definition_id)
        return self._models[definition_id]

    def _load(self, definition_id: str) -> DeployedModel | None:
        rows = self._db.all(
            "SELECT id, process_id, version, source FROM definitions WHERE id = :id",
            {"id": definition_id},
        )
        if not rows:
            return None
        row = rows[0]
        process_id = str(row["process_id"])
        try:
            process = parse(str(row["source"]), strict=False).processes.get(process_id)
        except BpmnParseError:
            process = None
        return DeployedModel(definition_id, process_id, int(row["version"]), process)

    def names(self, definition_ids: list[str]) -> dict[str, str]:
        """Element id -> name over the given versions (the latest name wins)."""
        found: dict[str, str] = {}
        models = [m for m in (self.get(d) for d in definition_ids) if m is not None]
        for model in sorted(models, key=lambda m: m.version):
            if model.process is None:
                continue
            for element_id, node in model.process.elements.items():
                if node.name:
                    found[element_id] = node.name
        return found
