from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, SubmitField


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
