"""Who holds the var folder: every serving process keeps a shared lock on <var>/serving.lock while it runs;
`portal restore` takes it exclusively, so a restore never runs under a serving portal and a portal never starts
during a restore. The operating system drops the lock when a process ends, however it ends (no stale pid file)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "serving.lock"


class LockBusy(RuntimeError):
    """Another process holds the lock in a way that excludes this one."""


class ServingLock:
    def __init__(self, var_dir: Path, exclusive: bool) -> None:
        self.path = var_dir / LOCK_NAME
        self.exclusive = exclusive
        self._fd: int | None = None

    def acquire(self) -> ServingLock:
        """Take the lock without waiting; LockBusy when a portal serves (exclusive) or a restore runs (shared)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockBusy(str(self.path)) from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ServingLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


def serving(var_dir: Path) -> ServingLock:
    """The lock a serving process holds (shared: every worker of every server on this folder may hold it)."""
    return ServingLock(var_dir, exclusive=False)


def stopped(var_dir: Path) -> ServingLock:
    """The lock a restore holds (exclusive: only when no portal serves from this folder)."""
    return ServingLock(var_dir, exclusive=True)
