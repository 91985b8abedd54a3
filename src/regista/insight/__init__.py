"""Process intelligence over the history and over imported event logs.

`open_database(settings)` connects to the database; a `Scope` says which cases (a
definition and version, a time window, or an imported log); each analysis returns a
`Report`; `compare` sets two scopes of one process side by side. `traces` and
`write_log` export the history as XES, CSV or OCEL 2.0 JSON (`write_log_file` also as
OCEL 2.0 SQLite);
`import_log` stores an XES or CSV file as a log the same analyses run on.
"""

from __future__ import annotations

from regista.insight.analyses import bottlenecks, durations, elements, throughput
from regista.insight.compare import compare
from regista.insight.compliance import sla_compliance
from regista.insight.database import EventDatabase, open_database
from regista.insight.errors import InsightError, LogFormatError, MappingError
from regista.insight.eventlog import LogEvent, Trace, count_steps, traces
from regista.insight.export import FORMATS, write_log
from regista.insight.importer import CsvMapping, ImportedLog, import_log
from regista.insight.ocel_sqlite import write_log_file
from regista.insight.paths import deviations, directly_follows, variants
from regista.insight.problems import bpmn_errors, incidents
from regista.insight.report import Report
from regista.insight.scope import Scope

__all__ = [
    "FORMATS",
    "CsvMapping",
    "EventDatabase",
    "ImportedLog",
    "InsightError",
    "LogEvent",
    "LogFormatError",
    "MappingError",
    "Report",
    "Scope",
    "Trace",
    "bottlenecks",
    "bpmn_errors",
    "compare",
    "count_steps",
    "deviations",
    "directly_follows",
    "durations",
    "elements",
    "import_log",
    "incidents",
    "open_database",
    "sla_compliance",
    "throughput",
    "traces",
    "variants",
    "write_log",
    "write_log_file",
]
