"""Signals between features (blinker): a feature announces what changed, and the features
above it listen, so neither imports the other back."""

from blinker import Namespace

_signals = Namespace()

# Sent with the cohort's id after a trainer's action changed what its dashboard shows
# (an import, a join, settings, bulk certificates).
cohort_changed = _signals.signal("cohort-changed")
