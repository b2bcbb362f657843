"""`flask --app lms certificates issue --cohort ID`: bulk issue from the command line."""

import sys

import click
from flask.cli import AppGroup

from .. import signals
from ..cohorts import services as cohorts
from ..cohorts.models import Cohort
from ..extensions import db
from ..issuers.models import Issuer
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
    members = cohorts.members(cohort)
    eligible = services.eligible_without_certificate(cohort.course, members)
    issuer = db.session.get(Issuer, cohort.issuer_id)
    click.echo(
        f"{cohort.name}: {len(members)} trainees, {len(eligible)} eligible without a certificate."
    )
    with click.progressbar(length=len(eligible), label="Issuing") as bar:
        for _ in services.issue_eligible(None, cohort.course, eligible, issuer):
            bar.update(1)
    signals.cohort_changed.send(cohort.id)
    ids = services.cohort_certificate_ids(cohort)
    click.echo(f"Issued {len(eligible)}; the cohort now holds {len(ids)} active certificates.")
    if zip_path:
        with open(zip_path, "wb") as out, click.progressbar(length=len(ids), label="ZIP") as bar:
            for chunk in bulk.zip_stream(ids):
                out.write(chunk)
                bar.update(1)
        click.echo(f"Written {zip_path}")
