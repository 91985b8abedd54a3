"""`regista audit verify` and `regista audit anchor` from the command line, on SQLite and
PostgreSQL, against the attacks of issue 10: deleting an instance's last event or all its
events is detected with and without an anchor; rewriting a chain consistently (hashes and
head recomputed) or removing a whole instance is detected with an anchor; an anchor that
was altered or is checked with another key is refused."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.settings import Settings
from regista.store.chain import (
    ROW_LIMIT,
    canonical_json,
    content_hash,
    event_content,
    row_content,
    ts_text,
)
from regista.store.records import HistoryEvent
from testkit import create_database

REPO = Path(__file__).resolve().parents[2]


def regista(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


@dataclass
class Db:
    """A database with three instances of a small process, and raw SQL on it."""

    kind: str
    url: str
    instances: list[str]

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                rows = conn.execute(sql, params).fetchall()
            return [tuple(r) for r in rows]
        with psycopg.connect(self.url, autocommit=True) as pg:
            cur = pg.execute(sql.replace("?", "%s"), params)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def events(self, instance_id: str) -> int:
        return int(
            self.execute(
                "SELECT count(*) FROM history_events WHERE instance_id = ?", (instance_id,)
            )[0][0]
        )


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
        yield _populated("sqlite", url)
    else:
        for url in create_database("regista_audit_"):
            yield _populated("postgres", url)


def _populated(kind: str, url: str) -> Db:
    # The model and its instances are made in-process (quicker); what is under test, the
    # audit commands, runs as the real `regista` command.
    process = ProcessBuilder("review").start("start").user_task("check").end("end")
    with Client(Settings(database_url=url)) as client:
        client.deploy(process)
        ids = [client.start("review", {"n": n}) for n in range(3)]
    return Db(kind, url, ids)


@pytest.fixture
def hmac_key(tmp_path: Path) -> Path:
    path = tmp_path / "audit.key"
    path.write_text("a long operator secret, kept off the database host\n")
    return path


def anchor(db: Db, key: Path, tmp_path: Path, name: str = "anchor.json") -> Path:
    out = tmp_path / name
    made = regista(
        "audit", "anchor", "--database-url", db.url, "--key-file", str(key), "--out", str(out)
    )
    assert made.returncode == 0, made.stderr
    assert "anchored 3 chains" in made.stderr
    return out


def verify(db: Db, *extra: str) -> subprocess.CompletedProcess[str]:
    return regista("audit", "verify", "--database-url", db.url, *extra)


def test_an_untouched_trail_verifies_with_and_without_its_anchor(
    db: Db, hmac_key: Path, tmp_path: Path
) -> None:
    out = anchor(db, hmac_key, tmp_path)
    assert verify(db).returncode == 0
    checked = verify(db, "--anchor", str(out), "--key-file", str(hmac_key))
    assert checked.returncode == 0, checked.stderr
    assert "its 3 chains" in checked.stdout and "are unchanged" in checked.stdout
    # work after the anchor is not a change of what it covers
    with Client(Settings(database_url=db.url)) as client:
        client.start("review")
    assert verify(db, "--anchor", str(out), "--key-file", str(hmac_key)).returncode == 0


def test_deleting_an_instances_last_event_is_detected_with_and_without_an_anchor(
    db: Db, hmac_key: Path, tmp_path: Path
) -> None:
    victim = db.instances[1]
    with Client(Settings(database_url=db.url)) as client:  # a second command, a second row
        client.complete_task(client.tasks(instance_id=victim)[0].id)
    out = anchor(db, hmac_key, tmp_path)
    last = db.events(victim)
    # the last row goes: the events of the instance's last command (schema 19)
    ((first,),) = db.execute(
        "SELECT seq - json_array_length(events) + 1 FROM history WHERE instance_id = ? "
        "ORDER BY seq DESC LIMIT 1",
        (victim,),
    )
    db.execute("DELETE FROM history WHERE instance_id = ? AND seq = ?", (victim, last))
    plain = verify(db)
    assert plain.returncode == 1
    gone = f"#{last}" if first == last else f"#{first}-#{last}"
    assert f"instance {victim}, event #{first}: event {gone} deleted" in plain.stderr
    anchored = verify(db, "--anchor", str(out), "--key-file", str(hmac_key))
    assert anchored.returncode == 1 and f"instance {victim}" in anchored.stderr


def test_deleting_all_events_of_an_instance_is_detected_with_and_without_an_anchor(
    db: Db, hmac_key: Path, tmp_path: Path
) -> None:
    out = anchor(db, hmac_key, tmp_path)
    victim = db.instances[0]
    count = db.events(victim)
    db.execute("DELETE FROM history WHERE instance_id = ?", (victim,))
    plain = verify(db)
    assert plain.returncode == 1
    assert f"all {count} events of the instance were deleted" in plain.stderr
    anchored = verify(db, "--anchor", str(out), "--key-file", str(hmac_key))
    assert anchored.returncode == 1 and victim in anchored.stderr


def _rewrite(db: Db, instance_id: str) -> None:
    """Alter event #1 and recompute every hash after it and the head, as an attacker with
    write access would: the chain itself stays consistent. (A row holds one command's
    events, hashed together: schema 19.)"""
    with Client(Settings(database_url=db.url)) as client:
        events = client.history(instance_id)
    rows: list[list[HistoryEvent]] = []
    for event in events:
        if rows and rows[-1][0].hash == event.hash:
            rows[-1].append(event)
        else:
            rows.append([event])
    prev = None
    for row in rows:
        data = [dict(e.data, forged=True) if e.seq == 1 else e.data for e in row]
        contents = [
            event_content(
                instance_id=instance_id,
                seq=e.seq,
                ts=ts_text(e.ts),
                kind=e.kind,
                element_id=e.element_id,
                element_instance_id=e.element_instance_id,
                actor=e.actor,
                command=e.command,
                data=canonical_json(d),
            )
            for e, d in zip(row, data, strict=True)
        ]
        digest = content_hash(prev, row_content(contents))
        stored = [
            [e.kind, e.element_id, e.element_instance_id, d] for e, d in zip(row, data, strict=True)
        ]
        events_param = "?" if db.kind == "sqlite" else "CAST(? AS json)"
        db.execute(
            f"UPDATE history SET events = {events_param}, hash = ? WHERE id = ?",
            (json.dumps(stored), bytes.fromhex(digest), row[0].id // ROW_LIMIT),
        )
        prev = digest
    assert prev is not None
    db.execute(
        "UPDATE history_heads SET hash = ? WHERE instance_id = ?",
        (bytes.fromhex(prev), instance_id),
    )


def test_a_consistent_rewrite_passes_the_chain_check_but_not_the_anchor(
    db: Db, hmac_key: Path, tmp_path: Path
) -> None:
    out = anchor(db, hmac_key, tmp_path)
    victim = db.instances[2]
    _rewrite(db, victim)
    # Without an anchor nothing outside the database says what the chain was: this is the
    # documented limit (docs/audit.md), and why anchors exist.
    assert verify(db).returncode == 0
    anchored = verify(db, "--anchor", str(out), "--key-file", str(hmac_key))
    assert anchored.returncode == 1
    assert f"instance {victim}" in anchored.stderr and "rewritten" in anchored.stderr


def test_removing_a_whole_instance_with_its_head_is_detected_only_with_an_anchor(
    db: Db, hmac_key: Path, tmp_path: Path
) -> None:
    out = anchor(db, hmac_key, tmp_path)
    victim = db.instances[0]
    db.execute("DELETE FROM history WHERE instance_id = ?", (victim,))
    db.execute("DELETE FROM history_heads WHERE instance_id = ?", (victim,))
    assert verify(db).returncode == 0
    anchored = verify(db, "--anchor", str(out), "--key-file", str(hmac_key))
    assert anchored.returncode == 1
    assert f"instance {victim}" in anchored.stderr and "are gone" in anchored.stderr


def test_an_altered_anchor_or_another_key_is_refused(
    db: Db, hmac_key: Path, tmp_path: Path
) -> None:
    out = anchor(db, hmac_key, tmp_path)
    document = json.loads(out.read_text())
    document["heads"] = document["heads"][1:]
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    refused = verify(db, "--anchor", str(forged), "--key-file", str(hmac_key))
    assert refused.returncode == 1 and "signature does not verify" in refused.stderr
    other = tmp_path / "other.key"
    other.write_text("somebody else's secret of some length")
    wrong = verify(db, "--anchor", str(out), "--key-file", str(other))
    assert wrong.returncode == 1 and "REFUSED" in wrong.stderr


def test_an_ed25519_anchor_is_verified_with_the_public_key(db: Db, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = tmp_path / "signing.pem"
    private_pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_pem = tmp_path / "public.pem"
    public_pem.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    out = tmp_path / "anchor.json"
    made = regista(
        "audit",
        "anchor",
        "--database-url",
        db.url,
        "--ed25519-key",
        str(private_pem),
        "--out",
        str(out),
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(out.read_text())["signature"]["algorithm"] == "Ed25519"
    ok = verify(db, "--anchor", str(out), "--ed25519-key", str(public_pem))
    assert ok.returncode == 0, ok.stderr
    db.execute("DELETE FROM history WHERE instance_id = ?", (db.instances[1],))
    assert verify(db, "--anchor", str(out), "--ed25519-key", str(public_pem)).returncode == 1


def test_an_anchor_posted_to_a_url_arrives_whole_and_verifies(
    hmac_key: Path, tmp_path: Path
) -> None:
    import http.server
    import threading

    received: list[bytes] = []

    class Notary(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            received.append(self.rfile.read(length))
            self.send_response(201 if self.path == "/anchors" else 404)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    db = _populated("sqlite", f"sqlite:///{tmp_path / 'posted.db'}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Notary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        key = ["--key-file", str(hmac_key)]
        posted = regista(
            "audit", "anchor", "--database-url", db.url, *key, "--url", f"{base}/anchors"
        )
        assert posted.returncode == 0, posted.stderr
        refused = regista("audit", "anchor", "--database-url", db.url, *key, "--url", f"{base}/x")
        assert refused.returncode == 1 and "answered 404" in refused.stderr
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    kept = tmp_path / "kept.json"
    kept.write_bytes(received[0])
    assert verify(db, "--anchor", str(kept), *key).returncode == 0
