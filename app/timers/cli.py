"""`flask worker [--once]`: the timer loop, which also sends the notifications that are due."""

from __future__ import annotations

import os
import socket
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.notifications import delivery
from app.timers import service


@click.command("worker")
@click.option("--once", is_flag=True, help="Fire everything due now, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds to sleep when nothing is due.")
@click.option("--name", default=None, help="This worker's name in the health report (default: host:pid).")
@with_appcontext
def worker(once: bool, interval: float, name: str | None) -> None:
    """Fire due timers and send due notifications: in a loop, or once with --once. Several may run
    against PostgreSQL."""
    name = name or f"{socket.gethostname()}:{os.getpid()}"
    for prepare in current_app.extensions.get("before_worker_loop", ()):  # the app factory's (app/warmup.py)
        prepare(current_app)
    while True:
        result = service.fire_due()
        service.heartbeat(name, result.fired)
        if result.fired or result.retried or result.failed:
            click.echo(f"fired {result.fired}, retrying {result.retried}, failed {result.failed}")
        sent = delivery.deliver_due(limit=100)
        if sent.sent or sent.retried or sent.failed:
            click.echo(f"notifications sent {sent.sent}, retrying {sent.retried}, failed {sent.failed}")
        for job in current_app.extensions.get("worker_jobs", ()):  # e.g. the retention purge (app/retention/cli.py)
            job(current_app)
        db.session.remove()
        if once:
            return
        if not result.fired and not sent.sent:
            time.sleep(interval)
