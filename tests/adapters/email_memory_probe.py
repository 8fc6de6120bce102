"""Run in a fresh interpreter by ``test_email_memory.py``: import the stored mails, report RSS.

Usage: ``python -m tests.adapters.email_memory_probe <database url> <attachment dir>``.
Prints one JSON line: what the import did and the process's peak resident set size. A
subprocess, because the peak RSS of the test process says nothing (pytest, other tests'
garbage); this one holds only the interpreter, the application's imports and the import.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.services.email_intake import import_pending
from klantenservice.services.inbound import IntakeOptions


def peak_rss_kib() -> int:
    """``VmHWM``: this process's peak RSS since its ``exec``. Not ``getrusage().ru_maxrss``,
    which Linux carries over from the parent across fork + exec (pytest's own peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(url: str, attachment_dir: Path) -> None:
    engine = make_engine(url)
    before = peak_rss_kib()
    report = import_pending(
        SqlUnitOfWorkFactory(engine),
        MailFileParser(),
        attachment_dir,
        now=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        options=IntakeOptions(auto_assign=False),
    )
    engine.dispose()
    peak = peak_rss_kib()
    sys.stdout.write(
        json.dumps({"imported": report.imported, "peak_kib": peak, "before_kib": before}) + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
