"""A mail with a 25 MB attachment is imported in under 150 MB of memory (peak RSS).

Measured in a fresh subprocess (``email_memory_probe``) through the real import path:
``import_pending`` on SQLite, the streaming parser, the attachment file, the intake. A limit
with a clear margin (about 80 MB is measured; the stdlib parser alone needed about 160 MB),
not a timing: it fails only when the attachment is held in memory again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from tests.services.email_support import Mailroom, compose
from tests.services.world import build_world

from klantenservice.adapters.db.tables import email_attachments, email_raw

LIMIT_BYTES = 150 * 1024 * 1024
SIZE = 25 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


def test_a_25_mb_attachment_is_imported_with_peak_rss_under_150_mb(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "klantenservice.db"
    shutil.copyfile(sqlite_template, database)
    world = build_world(f"sqlite:///{database}")
    content = os.urandom(SIZE)
    digest = hashlib.sha256(content).hexdigest()
    mail = compose(text="Het contract, getekend.")
    mail.add_attachment(content, maintype="application", subtype="pdf", filename="contract.pdf")
    room = Mailroom(world, tmp_path)
    room.store(mail.as_bytes())
    del mail
    world.close()  # the probe is the only process using the database

    probe = subprocess.run(
        [sys.executable, "-m", "tests.adapters.email_memory_probe", world.url,
         str(room.attachments)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert probe.returncode == 0, probe.stderr[-2000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["imported"] == 1
    peak = result["peak_kib"] * 1024
    assert peak < LIMIT_BYTES, f"peak RSS {peak / 2**20:.0f} MiB {result}"
    with world.read() as connection:  # the disposed engine opens a new pool
        (stored,) = connection.execute(select(email_attachments)).all()
        state = connection.execute(select(email_raw.c.state)).scalar_one()
    world.close()
    assert state == "imported"
    assert (stored.filename, stored.size, stored.digest) == ("contract.pdf", SIZE, digest)
    assert Path(stored.path).read_bytes() == content
    assert hashlib.sha256(Path(stored.path).read_bytes()).hexdigest() == digest
