"""Prepared statements for the hot paths: Core statements compiled once, run on the driver.

A SQLAlchemy Core statement costs about 60 µs to build and execute on SQLite, a cached
prebuilt one about 19 µs, the same SQL on the driver's cursor about 8 µs (bench/intake.py
runs a dozen statements per inbound message). ``Prepared`` keeps the statement written in
Core, against the same ``Table`` objects and column types as everything else, compiles it
once per dialect, and at run time only applies the columns' own bind and result processors
(UTC datetimes, JSON) around the driver's ``execute``. It runs on the unit of work's
connection, inside its transaction.

Driver errors are re-raised as SQLAlchemy's exception classes (``IntegrityError``,
``OperationalError``, ...), exactly as ``Connection.execute`` would raise them, so callers
catch one family of exceptions whichever way a statement ran.

A column type may offer faster processors of its own for a dialect (``FastProcessors``:
``UTCDateTime`` on SQLite formats and parses with ``datetime``'s C methods instead of SQLAlchemy's
generic string formatting and regular expression); they must produce and accept exactly what
the generic ones do, which ``tests/adapters/test_prepared.py`` checks value by value.

Named ``bindparam``s and constants bound at build time (``column == "open"``) are supported;
expanding ``IN`` lists are not: write ``or_(col == a, col == b)`` for a fixed list, and keep a
statement with a variable list an ordinary Core statement.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]


@runtime_checkable
class FastProcessors(Protocol):
    """A column type with its own processors for some dialects (None: use the generic one)."""

    def fast_bind_processor(self, dialect: Dialect) -> Processor | None: ...

    def fast_result_processor(self, dialect: Dialect) -> Processor | None: ...


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor | None], ...]
    constants: tuple[tuple[str, Any], ...]
    results: tuple[Processor | None, ...]
    row_type: Callable[..., Any] | None


class Prepared:
    """One statement, compiled lazily per dialect; ``all``/``first``/``run`` execute it."""

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self._statement, dialect)
        return found

    def run(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """Execute and return the driver cursor (rowcount, lastrowid)."""
        compiled = self._compiled(connection.dialect)
        cursor = _cursor(connection)
        try:
            cursor.execute(compiled.sql, _bound(compiled, params))
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(compiled, params, error, connection.dialect) from error
        return cursor

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        compiled = self._compiled(connection.dialect)
        cursor = _cursor(connection)
        try:
            cursor.executemany(compiled.sql, [_bound(compiled, row) for row in rows])
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(compiled, rows[0], error, connection.dialect) from error

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        compiled = self._compiled(connection.dialect)
        return [_row(compiled, raw) for raw in self.run(connection, params).fetchall()]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any | None:
        compiled = self._compiled(connection.dialect)
        raw = self.run(connection, params).fetchone()
        return None if raw is None else _row(compiled, raw)

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any | None:
        row = self.first(connection, params)
        return None if row is None else row[0]

    def new_id(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """An ``INSERT ... RETURNING id``: the new row's id."""
        new = self.scalar(connection, params)
        assert new is not None, "the INSERT returned no id"
        return int(new)


def _cursor(connection: Connection) -> Any:
    driver = connection.connection.driver_connection
    assert driver is not None
    return driver.cursor()


def _bound(compiled: _Compiled, params: Mapping[str, Any]) -> dict[str, Any]:
    bound: dict[str, Any] = dict(compiled.constants)
    for name, process in compiled.binds:
        value = params[name]
        bound[name] = value if process is None or value is None else process(value)
    return bound


def _row(compiled: _Compiled, raw: Sequence[Any]) -> Any:
    values = [
        value if process is None or value is None else process(value)
        for process, value in zip(compiled.results, raw, strict=True)
    ]
    assert compiled.row_type is not None
    return compiled.row_type(*values)


def _wrapped(
    compiled: _Compiled, params: Mapping[str, Any], error: Exception, dialect: Dialect
) -> StatementError:
    return DBAPIError.instance(
        compiled.sql, dict(params), error, dialect.loaded_dbapi.Error, dialect=dialect
    )


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    named = _named_dialect(dialect)
    compiled = statement.compile(dialect=named)  # type: ignore[attr-defined]
    binds: list[tuple[str, Processor | None]] = []
    constants: list[tuple[str, Any]] = []
    for name, bind in compiled.binds.items():
        if bind.expanding or bind.callable is not None:
            raise TypeError(f"Prepared does not support expanding or callable binds: {name!r}")
        process = _bind_processor(bind.type, named)
        if bind.value is None:
            binds.append((name, process))
        else:
            constants.append((name, bind.value if process is None else process(bind.value)))
    columns = getattr(compiled.statement, "exported_columns", None)
    if columns is None or not len(columns):
        return _Compiled(compiled.string, tuple(binds), tuple(constants), (), None)
    results = tuple(_result_processor(column.type, named) for column in columns)
    row_type = namedtuple("PreparedRow", [column.key for column in columns])  # type: ignore[misc]
    return _Compiled(compiled.string, tuple(binds), tuple(constants), results, row_type)


def _bind_processor(type_: Any, dialect: Dialect) -> Processor | None:
    fast = type_.fast_bind_processor(dialect) if isinstance(type_, FastProcessors) else None
    generic: Processor | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return fast or generic


def _result_processor(type_: Any, dialect: Dialect) -> Processor | None:
    fast = type_.fast_result_processor(dialect) if isinstance(type_, FastProcessors) else None
    generic: Processor | None = type_.dialect_impl(dialect).result_processor(dialect, None)
    return fast or generic


def _named_dialect(dialect: Dialect) -> Dialect:
    """A dialect of the same kind that renders named parameters (sqlite3: ``:name``).

    PostgreSQL drivers already use named ``%(name)s``; sqlite3's default ``?`` would need the
    parameters in positional order, so SQLite statements are compiled with ``:name`` instead.
    """
    if dialect.paramstyle in ("named", "pyformat"):
        return dialect
    make: Any = type(dialect)
    named: Any = make(paramstyle="named")
    # the engine's JSON codec (engine.JSON_CODEC) lives on its dialect instance: keep it
    for codec in ("_json_serializer", "_json_deserializer"):
        setattr(named, codec, getattr(dialect, codec, None))
    result: Dialect = named
    return result
