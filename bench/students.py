"""A class of students, whatever drives them: the pages each opens, what each records, the class's timing.

Two kinds of client drive a :class:`Student` through :data:`PAGES`: websocket clients speaking Streamlit's
protocol (:mod:`bench.ws_client`) and chromium tabs (:mod:`bench.browser_client`); both read a training
job's status lines with :func:`job_state`, and :func:`run_class` starts them all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

# (url path, text of its title, has a main figure that must be drawn)
PAGES = [("overview", "Long Short-Term Memory", False), ("vanishing_gradient", "Vanishing gradient", True),
         ("experiments", "Experiments", True)]
RENDER_TIMEOUT_S = 120.0  # one page; also the wait for a ▶ Play button
HARD_MARGIN_S = 300.0     # past the class's duration, unfinished students are cancelled
STARTED = ("LSTM: Training", "LSTM: Done", "LSTM: Stopped")     # the status line once a job trains


@dataclass
class Student:
    """One student's visit as measured: first-render seconds per page, the job's start wait, what went wrong."""

    index: int
    train: bool                                        # presses "Train live" on the Experiments page
    render_s: dict[str, float] = field(default_factory=dict)
    job_wait_s: float | None = None
    queue_positions: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    played: int = 0
    timeouts: list[str] = field(default_factory=list)  # pages not drawn within RENDER_TIMEOUT_S
    external: set[str] = field(default_factory=set)   # other hosts the page tried to load from


def job_state(student: Student, alerts: list[str]) -> str | None:
    """"started", "failed" or None (still waiting) from the status lines; records queue positions."""
    for text in alerts:
        flat = " ".join(text.replace("*", "").split())
        if "position" in flat and "queue" in flat:
            digits = flat.split("position", 1)[1].split()[0].strip(".")
            if digits.isdigit():
                student.queue_positions.append(int(digits))
        if any(flat.startswith(s) for s in STARTED):
            return "started"
        if flat.startswith("LSTM: Training failed"):
            student.errors.append(f"student {student.index}: {flat[:200]}")
            return "failed"
    return None


async def run_class(students: list[Student], start, duration: float, ramp: float) -> None:
    """Start ``start(student, delay)`` for every student, arrivals spread over ``ramp`` seconds; a student
    still busy at the hard deadline is cancelled and counted as an error. Shared by both client kinds."""
    n = len(students)
    tasks = {asyncio.ensure_future(start(s, ramp * i / max(1, n - 1))): s for i, s in enumerate(students)}
    _, pending = await asyncio.wait(tasks, timeout=duration + HARD_MARGIN_S)
    for task in pending:
        tasks[task].errors.append(f"student {tasks[task].index}: still busy at the hard deadline "
                                  f"({duration + HARD_MARGIN_S:.0f} s); cancelled")
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
