from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from .numbering import PRESETS


class IssuerForm(FlaskForm):
    name = StringField(_l("Unit name"))
    code = StringField(_l("Short code"))
    number_preset = SelectField(
        _l("Numbering style"),
        choices=[SelectChoice("", _l("As typed below"))]
        + [SelectChoice(p.key, p.label) for p in PRESETS],
        validate_choice=False,
    )
    number_pattern = StringField(_l("Certificate number pattern"))
    classification = StringField(_l("Classification code ({class})"))
    city = StringField(_l("City (printed before the date)"))
    signatory_on_behalf = StringField(_l("On behalf of (a.n.), optional"))
    signatory_name = StringField(_l("Signatory's name"))
    signatory_title = StringField(_l("Signatory's title (jabatan)"))
    signatory_rank = StringField(_l("Signatory's rank and grade (pangkat/golongan)"))
    signatory_nip = StringField(_l("Signatory's NIP"))
    signatory2_name = StringField(_l("Second signatory's name (optional)"))
    signatory2_title = StringField(_l("Second signatory's title"))
    signatory2_rank = StringField(_l("Second signatory's rank and grade"))
    signatory2_nip = StringField(_l("Second signatory's NIP"))
    logo = FileField(_l("Logo (PNG or JPEG, at most 1 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    signature = FileField(_l("Signature image (PNG or JPEG, at most 1 MB)"))
    remove_signature = BooleanField(_l("Remove the signature image"))
    preview = SubmitField(_l("Preview the next number"))
    submit = SubmitField(_l("Save"))
