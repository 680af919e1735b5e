"""Advisory file locks (`fcntl.flock`): one build at a time per warehouse, and a mark on
each build's work folder that says "still in use". The operating system releases a flock
when its process dies, however it dies, so a killed build never leaves a lock behind."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockBusy(Exception):
    """Another live process holds the lock."""


def acquire(path: Path, wait: bool = False) -> int:
    """Open (creating) `path` and lock it exclusively; return the descriptor that holds the
    lock. Raises LockBusy when `wait` is false and another process holds it, OSError when
    the file cannot be opened."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise LockBusy(str(path)) from None
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def try_existing(path: Path) -> int | None:
    """Lock an existing file without waiting; None when it is missing or held elsewhere."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def release(descriptor: int) -> None:
    os.close(descriptor)  # closing the last descriptor drops the flock
