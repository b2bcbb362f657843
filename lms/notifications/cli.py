"""`flask --app lms notify run-due`: send what is due. Safe to run as often as you like (cron):
running it twice sends nothing twice."""

import click
from flask.cli import AppGroup

from ..mail import outbox
from . import notifiers, reminders, services

notify_cli = AppGroup("notify", help="Send due emails and reminders.")


@notify_cli.command("run-due")
@click.option("--no-send", is_flag=True, help="Queue what is due, leave delivery to the worker.")
def run_due(no_send):
    """Queue the reminders and daily digests that are due, finish announcements, then send every
    email and WhatsApp message that is due (new ones, and retries of failed deliveries)."""
    counts = reminders.run_all()
    announced = sum(services.send_announcement(i) for i in services.pending_announcements())
    digests = services.send_digests()
    click.echo(
        "Reminders: {nudges} nudges, {ending} cohort-ending warnings, {trainer_summaries} trainer "
        "summaries, {expiring_links} expiring-link reminders.".format(**counts)
    )
    click.echo(f"Announcement emails queued: {announced}. Daily digests: {digests}.")
    if no_send:
        return
    sent = 0
    while True:
        batch = outbox.deliver_due()
        sent += batch
        if batch == 0:
            break
    whatsapp_sent = notifiers.deliver_whatsapp_due()
    click.echo(f"Emails sent: {sent}. WhatsApp messages sent: {whatsapp_sent}.")
