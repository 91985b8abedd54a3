"""The one-node rule of SQLite holds however the file is named: through a symlink, or a
relative path, a second node meets the first node's lock."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from regista.settings import Settings
from regista.store import NodeLockError, open_store

T0 = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def test_a_second_node_through_a_symlink_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "data" / "regista.db"
    real.parent.mkdir()
    link = tmp_path / "link.db"
    first = open_store(Settings(database_url=f"sqlite:///{real}"))
    link.symlink_to(real)
    monkeypatch.chdir(tmp_path / "data")
    through_link = open_store(Settings(database_url=f"sqlite:///{link}"))
    relative = open_store(Settings(database_url="sqlite:///regista.db"))
    try:
        first.register_node("node-a", now=T0)
        for other in (through_link, relative):
            with pytest.raises(NodeLockError, match=r"another Regista node \(node node-a"):
                other.register_node("node-b", now=T0)
        assert (
            os.path.exists(f"{real}.node-lock") and not link.with_suffix(".db.node-lock").exists()
        )
    finally:
        for store in (first, through_link, relative):
            store.close()
