"""Event logs from other systems into the database (`event_logs`, `event_log_events`), so
that the analyses run on a company's as-is process as on Regista's own history.

XES is read with lxml's `iterparse` and CSV row by row; events stream to the database in
bulk (COPY on PostgreSQL, `executemany` batches on SQLite) inside one transaction, so a
file that fails halfway leaves nothing behind. A
problem names the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError, LogFormatError, MappingError

__all__ = ["CsvMapping", "ImportedLog", "RawEvent", "import_log", "read_csv", "read_xes"]

BATCH = 20000

_COLUMNS = ("log_name", "seq", "case_id", "activity", "ts", "lifecycle", "resource")

Event = tuple[str, str, float, str, str | None]
"""(case, activity, time in epoch seconds, lifecycle, resource): an event as the import
reads it, a plain tuple (a `RawEvent` per event costs a tenth of the import)."""


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One event as read from a file; `ts` in seconds since 1970 (UTC)."""

    case_id: str
    activity: str
    ts: float
    lifecycle: str
    resource: str | None


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Which CSV column holds what; None: the first of the usual names that the header has
    (`case_id`, `case:concept:name`, ...). `resource` and `lifecycle` are optional."""

    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    resource: str | None = None
    lifecycle: str | None = None


@dataclass(frozen=True, slots=True)
class ImportedLog:
    """What an import stored."""

    name: str
    events: int
    cases: int


_GUESSES = {
    "case": ("case_id", "case:concept:name", "case", "caseid", "case id"),
    "activity": ("activity", "concept:name", "activity_name", "event", "task"),
    "timestamp": ("timestamp", "time:timestamp", "time", "start_timestamp", "date"),
    "resource": ("resource", "org:resource", "user", "performer"),
    "lifecycle": ("lifecycle", "lifecycle:transition", "transition", "status"),
}


def parse_time(text: str) -> float:
    """An ISO 8601 date and time as epoch seconds (no offset: UTC)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _lifecycle(text: str | None) -> str:
    return (text or "").strip().lower() or "complete"


_XES_NS = "{http://www.xes-standard.org/}"


def _local(tag: object) -> str:
    text = str(tag)
    return text[text.index("}") + 1 :] if text.startswith("{") else text


Progress = Callable[[int], None]
"""Told the number of bytes read from the file since it was last told (a progress bar)."""


class _Counted(io.RawIOBase):
    """A file whose reads are reported to a `Progress`."""

    def __init__(self, raw: BinaryIO, progress: Progress) -> None:
        self._raw = raw
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        if data:
            self._progress(len(data))
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _binary(path: Path, progress: Progress | None) -> BinaryIO:
    handle = path.open("rb")
    return handle if progress is None else io.BufferedReader(_Counted(handle, progress))


def read_xes(path: Path, progress: Progress | None = None) -> Iterator[RawEvent]:
    """The events of an XES file, trace by trace (one trace in memory at a time)."""
    return (RawEvent(*event) for event in _xes_file(path, progress))


def _xes_file(path: Path, progress: Progress | None = None) -> Iterator[Event]:
    where = str(path)
    # only the ends of events and traces come to Python: the attributes are read from
    # the element that holds them, which is then cleared
    wanted = ("event", "trace", f"{_XES_NS}event", f"{_XES_NS}trace")
    try:
        with _binary(path, progress) as handle:
            yield from _xes_events(where, handle, wanted)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise LogFormatError(where, line, None, f"not well-formed XML: {exc.msg}") from None
    except OSError as exc:
        raise InsightError(f"cannot read {where}: {exc}") from None


_EVENT_TAGS = frozenset(("event", f"{_XES_NS}event"))
_TRACE_TAGS = frozenset(("trace", f"{_XES_NS}trace"))


def _xes_events(where: str, handle: BinaryIO, wanted: tuple[str, ...]) -> Iterator[Event]:
    # each event is read (and checked) when it ends; its case is known once its trace
    # ends (the trace's name may follow its events), so a trace's events wait until then
    pending: list[tuple[str, float, str, str | None]] = []
    for _, element in etree.iterparse(
        handle, events=("end",), tag=wanted, remove_comments=True, huge_tree=True
    ):
        parent = element.getparent()
        if element.tag in _EVENT_TAGS:
            if parent is None or parent.tag not in _TRACE_TAGS:
                continue  # an event outside any trace belongs to no case
            pending.append(_xes_event(where, element))
            element.clear()
            continue
        case_id = next(
            (
                child.get("value")
                for child in element
                if _local(child.tag) == "string" and child.get("key") == "concept:name"
            ),
            None,
        )
        if not case_id:
            raise LogFormatError(where, element.sourceline, "concept:name", "the trace has no name")
        for activity, ts, lifecycle, resource in pending:
            yield case_id, activity, ts, lifecycle, resource
        pending = []
        element.clear()
        while element.getprevious() is not None and parent is not None:
            del parent[0]


def _xes_event(where: str, element: Any) -> tuple[str, float, str, str | None]:
    """(activity, time, lifecycle, resource) of an XES event element."""
    attrs: dict[str, str] = {}
    for child in element:
        # the element's own get: cheaper than its attrib proxy
        key = child.get("key")
        if key is not None:
            attrs[key] = child.get("value", "")
    activity = attrs.get("concept:name")
    if not activity:
        raise LogFormatError(
            where, element.sourceline, "concept:name", "the event has no activity name"
        )
    stamp = attrs.get("time:timestamp")
    if stamp is None:
        raise LogFormatError(
            where, element.sourceline, "time:timestamp", "the event has no timestamp"
        )
    try:
        ts = parse_time(stamp)
    except ValueError:
        line = next(
            (c.sourceline for c in element if c.get("key") == "time:timestamp"),
            element.sourceline,
        )
        raise LogFormatError(
            where, line, "time:timestamp", f"{stamp!r} is not an xs:dateTime"
        ) from None
    return activity, ts, _lifecycle(attrs.get("lifecycle:transition")), attrs.get("org:resource")


def _columns(path: str, header: list[str], mapping: CsvMapping) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    missing: list[tuple[str, str]] = []
    lowered = {h.strip().lower(): i for i, h in enumerate(header)}
    for role, guesses in _GUESSES.items():
        named: str | None = getattr(mapping, role)
        if named is not None:
            if named in header:
                found[role] = header.index(named)
            else:
                missing.append((role, named))
            continue
        found[role] = next((lowered[g] for g in guesses if g in lowered), None)
        if found[role] is None and role in ("case", "activity", "timestamp"):
            missing.append((role, guesses[0]))
    if missing:
        raise MappingError(path, missing, header)
    return found


def read_csv(
    path: Path, mapping: CsvMapping, progress: Progress | None = None
) -> Iterator[RawEvent]:
    """The events of a CSV file with a header row, columns chosen by `mapping`."""
    where = str(path)
    try:
        with io.TextIOWrapper(_binary(path, progress), newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise LogFormatError(where, 1, None, "the file is empty; it needs a header row")
            cols = _columns(where, header, mapping)
            for row in reader:
                if not row:
                    continue
                yield _csv_event(where, reader.line_num, header, cols, row)
    except UnicodeDecodeError as exc:
        raise LogFormatError(where, None, None, f"not UTF-8 text: {exc}") from None
    except csv.Error as exc:
        raise LogFormatError(where, None, None, f"not valid CSV: {exc}") from None
    except OSError as exc:
        raise InsightError(f"cannot read {where}: {exc}") from None


def _csv_event(
    where: str, line: int, header: list[str], cols: dict[str, int | None], row: list[str]
) -> RawEvent:
    if len(row) != len(header):
        raise LogFormatError(
            where, line, None, f"{len(row)} fields where the header has {len(header)}"
        )

    def cell(role: str) -> str | None:
        index = cols.get(role)
        return None if index is None else row[index]

    values = {}
    for role in ("case", "activity", "timestamp"):
        text = cell(role)
        index = cols[role]
        assert index is not None
        if not text or not text.strip():
            raise LogFormatError(where, line, header[index], f"the {role} is empty")
        values[role] = text
    try:
        ts = parse_time(values["timestamp"])
    except ValueError:
        index = cols["timestamp"]
        assert index is not None
        raise LogFormatError(
            where,
            line,
            header[index],
            f"{values['timestamp']!r} is not an ISO 8601 date and time "
            "(e.g. 2024-03-01T09:30:00+01:00)",
        ) from None
    resource = cell("resource")
    return RawEvent(
        values["case"], values["activity"], ts, _lifecycle(cell("lifecycle")), resource or None
    )


def import_log(
    db: EventDatabase,
    path: Path,
    *,
    name: str | None = None,
    mapping: CsvMapping | None = None,
    replace: bool = False,
    now: datetime,
    progress: Progress | None = None,
) -> ImportedLog:
    """Store the events of an XES or CSV file as the log `name` (default: the file's stem).
    A log of that name is refused unless `replace`; all or nothing. `progress` hears the
    bytes of the file as they are read."""
    suffix = path.suffix.lower()
    if suffix not in (".xes", ".csv"):
        raise InsightError(f"{path}: import reads .xes or .csv files, not {suffix or 'this'}")
    log = name or path.stem
    events: Iterable[Event]
    if suffix == ".xes":
        events = _xes_file(path, progress)
    else:
        read = read_csv(path, mapping or CsvMapping(), progress)
        events = ((e.case_id, e.activity, e.ts, e.lifecycle, e.resource) for e in read)
    case_ids: set[str] = set()
    counted = [0]

    def rows() -> Iterator[tuple[object, ...]]:
        # numbered as they are read; the cases are counted on the way
        seq = 0
        add = case_ids.add
        for case_id, activity, ts, lifecycle, resource in events:
            seq += 1
            add(case_id)
            yield log, seq, case_id, activity, ts, lifecycle, resource
        counted[0] = seq

    with db.transaction() as tx:
        exists = db.all("SELECT name FROM event_logs WHERE name = :name", {"name": log})
        if exists and not replace:
            raise InsightError(
                f"an event log named {log!r} exists; pass --replace, or --name another name"
            )
        tx.execute("DELETE FROM event_log_events WHERE log_name = :name", {"name": log})
        tx.execute("DELETE FROM event_logs WHERE name = :name", {"name": log})
        tx.copy("event_log_events", _COLUMNS, rows(), batch=BATCH)
        seq = counted[0]
        if seq == 0:
            raise LogFormatError(str(path), None, None, "the file holds no events")
        cases = len(case_ids)
        tx.execute(
            "INSERT INTO event_logs (name, source, format, events, cases, imported_at) "
            "VALUES (:name, :source, :format, :events, :cases, :at)",
            {
                "name": log,
                "source": str(path),
                "format": suffix[1:],
                "events": seq,
                "cases": cases,
                "at": db.dialect.timestamp(now),
            },
        )
    return ImportedLog(log, seq, cases)
