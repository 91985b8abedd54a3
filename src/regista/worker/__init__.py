"""External workers: the engine's `@worker` handlers run in another process over the REST
API (`ExternalWorker`, `regista worker`), so a handler moves between in-process and
external unchanged."""

from regista.runtime.workers import ActivatedJob, BpmnError, Workers, worker
from regista.worker.external import ExternalWorker, WorkerError

__all__ = ["ActivatedJob", "BpmnError", "ExternalWorker", "WorkerError", "Workers", "worker"]
