"""What the report tests share: a module's hand-counted fixture, built once for the module and removed after it
(its complaints deleted with the rows that refer to them), a report section's figures for the three periods it
compares, and random writes to the task table that the summary tests recount after."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest
from flask import Flask
from sqlalchemy import delete, update

from app.extensions import db
from app.runtime.models import Complaint, HumanTask


class Built(Protocol):
    def build(self) -> None: ...

    def remove(self) -> None: ...


def module_fixture(kind: Callable[[Flask], Built]) -> Any:
    """A module-scoped pytest fixture named `fixture` that builds `kind(app)` and removes it after the module."""

    @pytest.fixture(scope="module")
    def fixture(app: Flask) -> Iterator[Built]:
        made = kind(app)
        made.build()
        yield made
        made.remove()

    return fixture


def delete_complaints(ids: list[int], *referring: Any) -> None:
    """Delete the complaints `ids` in the current transaction, first the rows of each `referring` model (a model
    with a complaint_id) that refer to them."""
    for model in referring:
        db.session.execute(delete(model).where(model.complaint_id.in_(ids)))
    db.session.execute(delete(Complaint).where(Complaint.id.in_(ids)))


def periods(rows: dict[str, dict]) -> dict[str, tuple]:
    """Each row's figure for the period, the period before and the same period a year earlier."""
    return {key: (row["current"], row["previous"], row["last_year"]) for key, row in rows.items()}


def random_task_writes(rng: random.Random, complaints: list[Complaint], steps: int,
                       new_task: Callable[[random.Random, Complaint, str], HumanTask],
                       more_changes: Callable[[random.Random, datetime], list[dict[str, Any]]],
                       check: Callable[[], None]) -> None:
    """`steps` random writes to the tasks of `complaints`: a task added in a random state (`new_task`), one changed
    by a core UPDATE of a kind the service makes or a migration or repair could (finished, cancelled, finished at
    another moment, reopened, or one of `more_changes` for a moment after its complaint's registration), or one
    deleted; committed and `check`ed every 40 steps."""
    tasks = HumanTask.__table__
    ids: list[tuple[str, Complaint]] = []
    for step in range(steps):
        action = rng.random()
        if action < 0.4 or not ids:
            complaint = rng.choice(complaints)
            task = new_task(rng, complaint, rng.choice(["ready", "completed", "completed", "cancelled"]))
            db.session.add(task)
            db.session.flush()
            ids.append((task.id, complaint))
        elif action < 0.85:
            task_id, complaint = rng.choice(ids)
            moment = complaint.created_at + timedelta(minutes=rng.randrange(1, 60 * 24 * 3))
            values = rng.choice([{"state": "completed", "completed_at": moment}, {"state": "cancelled"},
                                 {"completed_at": moment}, {"state": "ready", "completed_at": None},
                                 *more_changes(rng, moment)])
            db.session.execute(update(tasks).where(tasks.c.id == task_id).values(**values))
        else:
            task_id, _complaint = ids.pop(rng.randrange(len(ids)))
            db.session.execute(delete(HumanTask).where(HumanTask.id == task_id))
        if step % 40 == 39:
            db.session.commit()
            check()
