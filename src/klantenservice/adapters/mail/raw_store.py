"""Raw mails and attachments as files: written whole, flushed to disk, then renamed.

Content-addressed by SHA-256 (``raw/ab/abcdef….eml``, ``attachments/ab/abcdef…``): a file is
either absent or complete (``os.replace`` after ``fsync``), and the same bytes arriving twice
occupy one file. The directory entry is flushed too, so "stored" survives a power cut: this is
what the SMTP listener waits for before it answers 250.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StoredFile:
    digest: str
    size: int
    path: Path


class TooLarge(Exception):
    """More bytes than the limit; nothing was kept."""


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_chunks(
    root: Path, chunks: Iterable[bytes], *, suffix: str = "", limit: int | None = None
) -> StoredFile:
    """Write ``chunks`` under ``root`` by their digest; ``TooLarge`` past ``limit`` bytes."""
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise TooLarge(f"{size} bytes or more; the limit is {limit}")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        name = digest.hexdigest()
        target_dir = root / name[:2]
        target_dir.mkdir(exist_ok=True)
        target = target_dir / f"{name}{suffix}"
        os.replace(temporary, target)
        _fsync_dir(target_dir)
        return StoredFile(name, size, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_bytes(root: Path, data: bytes, *, suffix: str = "") -> StoredFile:
    return store_chunks(root, [data], suffix=suffix)
