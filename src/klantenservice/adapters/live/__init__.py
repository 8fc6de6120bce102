"""Live buses: committed events fanned out to this process's subscribers (the desk's SSE).

``in_process.py`` (SQLite, one server process) and ``postgres.py`` (LISTEN/NOTIFY, any number
of processes); both share ``fanout.py``. ``wire.py`` is the NOTIFY payload format, written by
``adapters/db/repositories/outbox.py``. See ``docs/subsystems/live.md``.
"""
