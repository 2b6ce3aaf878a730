"""The video runs in progress, one per browser session, so that Cancel stops only its own."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class VideoJobs:
    """One cancel flag per browser session: the Cancel button stops that session's video only."""

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def track(self, session: str) -> Iterator[threading.Event]:
        flag = threading.Event()
        with self._lock:
            self._flags[session] = flag
        try:
            yield flag
        finally:
            with self._lock:
                if self._flags.get(session) is flag:
                    del self._flags[session]

    def cancel(self, session: str) -> bool:
        with self._lock:
            flag = self._flags.get(session)
        if flag is not None:
            flag.set()
        return flag is not None
