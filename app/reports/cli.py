"""`flask reports send-monthly-review [--month YYYY-MM]`: send the monthly review by hand."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import ServiceError
from app.reports import monthly

reports_cli = AppGroup("reports", help="The monthly review.")


@reports_cli.command("send-monthly-review")
@click.option("--month", default=None, help="YYYY-MM; default: the month whose review is due today, if any.")
def send_monthly_review(month: str | None) -> None:
    """Draw a month's review and tell MONTHLY_REVIEW_ROLES, unless it was sent already."""
    if not monthly.recipients(current_app.config):
        raise click.ClickException("MONTHLY_REVIEW_ROLES names no report reader: nobody to send it to.")
    try:
        if month is None:
            sent = monthly.send_due()
            click.echo(f"monthly review {sent} sent" if sent else "no monthly review is due, or it was sent")
        elif monthly.send(month):
            click.echo(f"monthly review {monthly.month_of(month)} sent")
        else:
            raise click.ClickException(f"the monthly review of {month} was sent already")
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
