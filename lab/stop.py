"""Stopping a sweep cleanly: a stop request, and the signals that make one.

A terminal's Ctrl-C (SIGINT), a ``kill`` (SIGTERM) or a closed terminal (SIGHUP) sets the :class:`Stop`
flag; the sweep passes it on to its workers and ends with what was reached. A second signal gives up
at once (:attr:`Stop.abort`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading


class Stop:
    """A stop request: a counter a signal handler may bump (nothing else happens in the handler)."""

    def __init__(self) -> None:
        self.count = 0
        self.reason = ""

    def request(self, reason: str = "stop") -> None:
        self.count += 1
        self.reason = self.reason or reason

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def abort(self) -> bool:
        """Asked twice: give up at once, without waiting for the running trials' partial results."""
        return self.count >= 2


@contextlib.contextmanager
def stop_on_signals(stop: Stop):
    """SIGINT, SIGTERM and SIGHUP set ``stop`` (whatever SIGINT's inherited disposition); restored on exit.

    Outside the main thread (signals cannot be set there) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    before = {s: signal.getsignal(s) for s in sigs}

    def handler(signum, frame):
        stop.request(signal.Signals(signum).name)
        text = (f"\n{signal.Signals(signum).name}: stopping - running trials report what they reached, finished "
                "rows stay saved (again to give up at once)\n" if stop.count == 1 else
                f"\n{signal.Signals(signum).name} again: giving up now\n")
        with contextlib.suppress(OSError):
            os.write(2, text.encode())

    for s in sigs:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in before.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
