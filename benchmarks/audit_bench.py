"""The audit trail's cost on SQLite: appending history (each append also moves the chain
head), verifying every chain and head, writing a signed anchor and verifying against it.

Run: `python benchmarks/audit_bench.py [--json] [--instances N] [--events E]`. Prints events
appended per second and how long `audit verify` (with and without an anchor) and
`audit anchor` take over N instances of E events each. Figures, not assertions: tests
never time anything.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from regista.runtime.anchor import HmacKey, make_checkpoint, read_checkpoint
from regista.settings import Settings
from regista.store import NewEvent, open_store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def run(instances: int, events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}"))
        try:
            started = time.perf_counter()
            for n in range(instances):
                with store.transaction() as tx:
                    tx.append_history(
                        f"i-{n:06d}",
                        [
                            NewEvent("step", T0 + timedelta(seconds=k), data={"k": k})
                            for k in range(events)
                        ],
                    )
            appended = time.perf_counter() - started

            started = time.perf_counter()
            assert store.audit_history() == []
            verified = time.perf_counter() - started

            key = HmacKey(b"benchmark secret, long enough")
            started = time.perf_counter()
            text = make_checkpoint(store.history_heads(), key, now=T0)
            anchored = time.perf_counter() - started

            started = time.perf_counter()
            anchor = read_checkpoint(text, key).by_instance()
            assert store.audit_history(anchor=anchor) == []
            verified_anchor = time.perf_counter() - started
        finally:
            store.close()
    return {
        "instances": instances,
        "events": instances * events,
        "append_events_per_s": instances * events / appended,
        "verify_s": verified,
        "anchor_s": anchored,
        "verify_with_anchor_s": verified_anchor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--events", type=int, default=10)
    args = parser.parse_args()
    figures = run(args.instances, args.events)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['instances']:.0f} instances, {figures['events']:.0f} events (SQLite)")
    print(
        f"  append (one transaction per instance): {figures['append_events_per_s']:,.0f} events/s"
    )
    print(f"  audit verify:                          {figures['verify_s']:.2f} s")
    print(f"  audit anchor (heads, sign):            {figures['anchor_s']:.2f} s")
    print(f"  audit verify --anchor:                 {figures['verify_with_anchor_s']:.2f} s")


if __name__ == "__main__":
    main()
