"""`flask --app lms notify run-due`: send what is due. Safe to run as often as you like (cron):
running it twice sends nothing twice."""

import click
from flask.cli import AppGroup

from ..mail import outbox

notify_cli = AppGroup("notify", help="Send due emails and reminders.")


@notify_cli.command("run-due")
def run_due():
    """Send every email that is due (new ones, and retries of failed deliveries)."""
    sent = outbox.deliver_due()
    click.echo(f"Emails sent: {sent}.")
