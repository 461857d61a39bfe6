"""`flask purge [--dry-run]`: purge the complaints whose retention ended, and report it; and the worker's job
that does the same every RETENTION_PURGE_INTERVAL seconds (default hourly)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import with_appcontext

from app.retention import service

DEFAULT_INTERVAL = 3600.0
LAST_RUN = "retention_purge_last_run"  # in app.extensions: each application (and test app) keeps its own


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Purge the personal data of finished complaints whose retention ended (held ones are skipped)."""
    report = service.purge_due(dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb} {report.complaints} complaints, {report.fields} fields, {report.files} files; "
               f"{report.held} held")


def worker_job(app: Flask) -> None:
    """Run the due purge when the interval has passed since this worker's last run."""
    interval = float(app.config.get("RETENTION_PURGE_INTERVAL", DEFAULT_INTERVAL))
    now = time.monotonic()
    if now - app.extensions.get(LAST_RUN, -interval) < interval:
        return
    app.extensions[LAST_RUN] = now
    report = service.purge_due()
    if report.complaints or report.held:
        click.echo(f"purged {report.complaints} complaints, {report.fields} fields, {report.files} files; "
                   f"{report.held} held")
