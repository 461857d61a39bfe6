"""What the key-rotation tests share: putting the shared test database back under the suite's keys afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from app import create_app
from app.extensions import db


def rotate_back(config: dict[str, str], rotation: Callable[[], Any], *started: Flask) -> None:
    """Run `rotation` in an app configured with `config` (the suite's key first, the test's after), so that the
    rows the test rotated are written under the suite's key again; then close every app's connections."""
    back = create_app({"TESTING": True, **config})
    with back.app_context():
        rotation()
        db.session.remove()
    for app in (*started, back):
        with app.app_context():
            db.engine.dispose()
