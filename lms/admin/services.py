"""What the admin home shows: a few totals and what needs an admin's attention."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..accounts.models import User
from ..certificates.models import Certificate
from ..cohorts.models import Cohort
from ..extensions import db
from ..issuers.models import Issuer


@dataclass
class Summary:
    people: dict  # role -> number of accounts
    cohorts: int
    certificates: int
    placeholder_units: list = field(default_factory=list)


def summary() -> Summary:
    people = dict(
        db.session.execute(
            select(User.role, func.count(User.id))
            .where(User.deleted_at.is_(None))
            .group_by(User.role)
        ).all()
    )
    return Summary(
        people=people,
        cohorts=db.session.scalar(select(func.count(Cohort.id))),
        certificates=db.session.scalar(select(func.count(Certificate.id)).where(Certificate.valid)),
        placeholder_units=list(
            db.session.scalars(select(Issuer).where(Issuer.placeholder_signatory.is_(True)))
        ),
    )
