"""`flask audit verify`: check every complaint's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.runtime import audit

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("verify")
def verify() -> None:
    """Verify every chain; exit 1 naming the first broken link of each broken chain."""
    checked, broken = audit.verify()
    for link in broken:
        click.echo(f"BROKEN complaint {link.complaint_id} event {link.seq}: {link.reason}")
    if broken:
        raise SystemExit(1)
    click.echo(f"ok: {checked} events, every chain intact")
