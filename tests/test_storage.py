import sqlite3

import pytest

from bot import storage


def test_connect_creates_schema_once(tmp_path):
    path = tmp_path / "sub" / "assistant.db"
    db = storage.connect(path)
    assert "documents" in db.table_names()
    assert "chunks" in db.table_names()
    applied = {row["name"] for row in db["_migrations"].rows}
    assert applied == {name for name, _ in storage.MIGRATIONS}
    db.conn.close()
    again = storage.connect(path)
    assert storage.migrate(again) == []


def test_failed_migration_rolls_back(tmp_path):
    db = storage.connect(tmp_path / "a.db")

    def good(db):
        db.execute("CREATE TABLE extra (id INTEGER PRIMARY KEY)")

    def bad(db):
        db.execute("CREATE TABLE half (id INTEGER PRIMARY KEY)")
        raise RuntimeError("boom")

    assert storage.migrate(db, [("t-good", good)]) == ["t-good"]
    with pytest.raises(RuntimeError):
        storage.migrate(db, [("t-good", good), ("t-bad", bad)])
    assert "half" not in db.table_names()
    assert not db.execute("SELECT 1 FROM _migrations WHERE name = 't-bad'").fetchone()


def test_in_memory_database_is_private():
    a = storage.connect(":memory:")
    b = storage.connect(":memory:")
    a.execute("INSERT INTO documents VALUES ('x','x','t',NULL,NULL,NULL,'text','h','now')")
    assert b.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert isinstance(a.conn, sqlite3.Connection)
