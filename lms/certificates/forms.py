from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
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


class CheckFileForm(FlaskForm):
    berkas = FileField(_l("Certificate PDF (at most 5 MB)"))
    submit = SubmitField(_l("Check the file"))
