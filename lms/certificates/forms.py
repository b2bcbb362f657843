from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, SubmitField, TextAreaField


class ClaimForm(FlaskForm):
    full_name = StringField(_l("Name as printed on the certificate"))
    submit = SubmitField(_l("Claim certificate"))


class IssuerForm(FlaskForm):
    name = StringField(_l("Unit name"))
    code = StringField(_l("Short code"))
    number_pattern = StringField(_l("Certificate number pattern"))
    city = StringField(_l("City (printed before the date)"))
    signatory_name = StringField(_l("Signatory's name"))
    signatory_title = StringField(_l("Signatory's title (jabatan)"))
    signatory_nip = StringField(_l("Signatory's NIP"))
    logo = FileField(_l("Logo (PNG or JPEG, at most 1 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    signature = FileField(_l("Signature image (PNG or JPEG, at most 1 MB)"))
    remove_signature = BooleanField(_l("Remove the signature image"))
    submit = SubmitField(_l("Save"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Confirm"))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    kode = StringField(_l("Verification code or certificate number"))
