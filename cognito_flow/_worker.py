"""The SRP worker: one daemon thread that runs every SRP computation of the process.

One thread, because the maths holds the GIL anyway, and a single worker that
yields between slices (``srp.release_gil``) keeps the event loop's wait for
the GIL short. A plain queue and ``call_soon_threadsafe`` rather than
``run_in_executor``: when many sign-ins start at once, the concurrent.futures
bookkeeping (locks shared with the worker) was most of the event loop's cost
per sign-in.

Two promises beyond that:

- Cancelled work is not done. A job whose future was cancelled while it
  waited in the queue (a request timeout, a client that went away) is
  skipped, so a burst of cancelled sign-ins cannot queue seconds of maths in
  front of the next one.
- Fork-safe. A process forked while a job runs (pre-forking servers such as
  gunicorn) inherits no thread and possibly a held lock; the child gets a new
  lock, queue and thread on first use (``os.register_at_fork``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from . import srp

__all__ = ["SrpWorker", "worker"]


class SrpWorker:
    """Runs functions on one daemon thread; ``submit`` returns an asyncio future."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Also the after-fork hook: nothing of the parent's thread survives.
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: Jobs skipped because their caller had given up (for tests and stats).
        self.skipped = 0
        #: Jobs run.
        self.ran = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Queue ``fn(*args)``; its value or exception arrives on the returned future."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._ensure_thread()
        self._queue.put((loop, future, fn, args))
        return future

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, args=(self._queue,), name="cognito-flow-srp", daemon=True
                )
                self._thread.start()

    def _work(self, jobs: queue.SimpleQueue[tuple[Any, ...]]) -> None:
        while True:
            loop, future, fn, args = jobs.get()
            # Reading the state of a future of another thread's loop is a plain
            # attribute read; a cancel that lands just after it only wastes work.
            if future.cancelled():
                self.skipped += 1
                continue
            try:
                value, error = fn(*args), None
            except BaseException as exc:  # noqa: BLE001 - delivered to the awaiting task
                value, error = None, exc
            self.ran += 1
            with contextlib.suppress(RuntimeError):  # the loop was closed meanwhile
                loop.call_soon_threadsafe(_deliver, future, value, error)
            # Short jobs (SRP_A with gmpy2) never reach a slice boundary; let
            # the event loop have the GIL between them too.
            srp.release_gil()


def _deliver(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


#: The process's one worker.
worker = SrpWorker()

if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=worker._reset)
