"""Count a process's write transactions and time how long each one holds the write lock.

SQLAlchemy's connection events on the engines a runtime writes through (its async engine and its
synchronous write lane). A transaction counts when it ran an INSERT, UPDATE or DELETE before its
commit. SQLite (pysqlite/aiosqlite in their default mode) begins a transaction at the first such
statement and takes the database's one write lock there, so "held" runs from the first write to the
commit; "open" from SQLAlchemy's begin to the commit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@dataclass
class WriteTransaction:
    engine: str
    statements: list[str] = field(default_factory=list)  # the first word of each, from the first write
    opened: float = 0.0
    first_write: float | None = None
    held_s: float = 0.0
    open_s: float = 0.0

    @property
    def reads_after_first_write(self) -> int:
        return sum(1 for word in self.statements if word == "SELECT")


@dataclass
class WriteProbe:
    committed: list[WriteTransaction] = field(default_factory=list)
    _open: dict[int, WriteTransaction] = field(default_factory=dict)
    _listeners: list[tuple[Engine, str, Any]] = field(default_factory=list)

    def attach(self, name: str, engine: Engine) -> None:
        listeners = {
            "begin": lambda conn: self._begin(name, conn),
            "before_cursor_execute": self._execute,
            "commit": self._commit,
            "rollback": lambda conn: self._open.pop(id(conn), None),
        }
        for identifier, listener in listeners.items():
            event.listen(engine, identifier, listener)
            self._listeners.append((engine, identifier, listener))

    def detach(self) -> None:
        for engine, identifier, listener in self._listeners:
            event.remove(engine, identifier, listener)
        self._listeners.clear()

    def _begin(self, name: str, conn: Any) -> None:
        self._open[id(conn)] = WriteTransaction(engine=name, opened=time.perf_counter())

    def _execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        transaction = self._open.get(id(conn))
        if transaction is None:
            return
        word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if transaction.first_write is None and word in WRITES:
            transaction.first_write = time.perf_counter()
        if transaction.first_write is not None:
            transaction.statements.append(word)

    def _commit(self, conn: Any) -> None:
        transaction = self._open.pop(id(conn), None)
        if transaction is None or transaction.first_write is None:
            return
        now = time.perf_counter()
        transaction.held_s = now - transaction.first_write
        transaction.open_s = now - transaction.opened
        self.committed.append(transaction)

    def summary(self) -> str:
        rows = [
            f"{t.engine}: held {t.held_s * 1000:.2f} ms, open {t.open_s * 1000:.2f} ms, "
            f"statements {' '.join(t.statements)}"
            for t in self.committed
        ]
        return "\n".join(rows)


@contextmanager
def probing(**engines: Engine) -> Iterator[WriteProbe]:
    probe = WriteProbe()
    for name, engine in engines.items():
        probe.attach(name, engine)
    try:
        yield probe
    finally:
        probe.detach()
