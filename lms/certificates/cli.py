"""`flask --app lms certificates issue --cohort ID`: bulk issue from the command line."""

import sys
from contextlib import ExitStack

import click
from flask.cli import AppGroup

from ..cohorts import services as cohorts
from ..cohorts.models import Cohort
from ..extensions import db
from . import bulk, services

certificates_cli = AppGroup("certificates", help="Issue certificates in bulk.")


@certificates_cli.command("issue")
@click.option("--cohort", "cohort_id", type=int, required=True, help="Cohort id.")
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False),
    help="Also write a ZIP of every active certificate of the cohort.",
)
def issue(cohort_id, zip_path):
    """Issue every eligible certificate of a cohort (its issuing unit), with a progress bar."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        click.echo(f"No cohort with id {cohort_id}.", err=True)
        sys.exit(1)
    members = cohorts.member_count(cohort.id)
    with ExitStack() as stack:
        bars = []

        def progress(done, total):
            if not bars:  # the first report says how many there are
                click.echo(
                    f"{cohort.name}: {members} trainees, {total} eligible without a certificate."
                )
                bars.append(stack.enter_context(click.progressbar(length=total, label="Issuing")))
            bars[0].update(done - bars[0].pos)

        issued = services.issue_for_cohort(None, cohort, progress)
    ids = services.cohort_certificate_ids(cohort)
    click.echo(f"Issued {issued}; the cohort now holds {len(ids)} active certificates.")
    if zip_path:
        with open(zip_path, "wb") as out, click.progressbar(length=len(ids), label="ZIP") as bar:
            for chunk in bulk.zip_stream(ids):
                out.write(chunk)
                bar.update(1)
        click.echo(f"Written {zip_path}")
