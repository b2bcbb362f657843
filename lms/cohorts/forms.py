from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField

from ..forms import RegionMixin


class CohortForm(RegionMixin, FlaskForm):
    name = StringField(_l("Cohort name"))
    course = SelectField(_l("Course"), validate_choice=False)
    starts_on = StringField(_l("Start date"))
    ends_on = StringField(_l("End date"))
    location = StringField(_l("Location"))
    organiser = StringField(_l("Organising unit"))
    issuer = SelectField(_l("Certificate issuer"), validate_choice=False)
    seat_limit = StringField(_l("Seat limit (optional)"))
    nudge_after_days = StringField(_l("Remind trainees after this many days without activity"))
    submit = SubmitField(_l("Save"))


class TrainerForm(FlaskForm):
    login = StringField(_l("Co-trainer's email or mobile number"))
    submit = SubmitField(_l("Add co-trainer"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file of participants"))
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    payload = HiddenField()
    skip_invalid = BooleanField(_l("Skip the rows with errors"))
    submit = SubmitField(_l("Import these participants"))
    submit_valid = SubmitField(_l("Import the correct rows"))


class JoinCodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only leads to the join page

    kode = StringField(_l("Join code"))
    submit = SubmitField(_l("Find the cohort"))
