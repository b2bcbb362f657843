"""Signals between features (blinker): a feature announces what changed, and the features
above it listen, so neither imports the other back."""

from blinker import Namespace

_signals = Namespace()

# Sent with the cohort's id after a trainer's action changed what its dashboard shows
# (an import, a join, settings, bulk certificates).
cohort_changed = _signals.signal("cohort-changed")

# progress_changed: sent with user_id= and course= inside the transaction that recorded a
# lesson done, a quiz scored or a task reviewed; completion records when the course was
# completed.
progress_changed = _signals.signal("progress-changed")

# landing_page: sent with the User who just signed in; a receiver may return the URL where
# they should continue (the catalogue: their next lesson).
landing_page = _signals.signal("landing-page")

# Personal data (UU PDP): every feature answers for the rows it keeps about a person.
# personal_data_export: sent with the User; each receiver returns {section name: plain data}.
personal_data_export = _signals.signal("personal-data-export")
# account_erasing: sent with the User inside the deletion's transaction; each receiver deletes
# (or anonymises) its rows about the person, without committing.
account_erasing = _signals.signal("account-erasing")


def iso(value) -> str | None:
    """A stored UTC time as exported: 2026-12-04T03:00:00Z."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


# certificate_issued: sent with the Certificate once its issue (claim, bulk, reissue) committed.
certificate_issued = _signals.signal("certificate-issued")
# task_reviewed: sent with the task Round once a review decided it (passed or revision), after
# commit.
task_reviewed = _signals.signal("task-reviewed")

# post_added: sent with the new discussion Post (thread=, actor=, recipient_ids=: the thread's
# earlier participants) inside the reply's transaction; notifications are written with it.
post_added = _signals.signal("post-added")
# page_panels: sent with the User and place= ("my_learning" or "cohort") and cohort_id= (or
# None); each receiver returns a list of (template name, context) panels shown on the page.
page_panels = _signals.signal("page-panels")
