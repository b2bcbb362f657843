from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField


class ClaimForm(FlaskForm):
    full_name = StringField(_l("Name as printed on the certificate"))
    submit = SubmitField(_l("Claim certificate"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Confirm"))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    kode = StringField(_l("Verification code or certificate number"))
