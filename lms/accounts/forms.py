from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..forms import RegionMixin
from ..locales import TIMEZONES
from .models import ROLES


class RegisterForm(RegionMixin, FlaskForm):
    full_name = StringField(_l("Full name"))
    login = StringField(_l("Email or mobile number"))
    # Never written back into the page: after an error or the "show kabupaten/kota" round trip
    # the person types it again (the field comes after the region, so that is rarely needed).
    password = PasswordField(_l("Password"))
    consent = BooleanField(_l("I have read and agree to the privacy notice"))
    submit = SubmitField(_l("Register"))


class LoginForm(FlaskForm):
    login = StringField(_l("Email or mobile number"))
    password = PasswordField(_l("Password"))
    submit = SubmitField(_l("Sign in"))


class ProfileForm(RegionMixin, FlaskForm):
    full_name = StringField(_l("Full name"))
    login = StringField(_l("Email or mobile number"))
    timezone = SelectField(
        _l("Time zone"),
        choices=[SelectChoice(name) for name in TIMEZONES],
        validate_choice=False,
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        validate_choice=False,
    )
    submit = SubmitField(_l("Save"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))
    submit = SubmitField(_l("Change password"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"))
    consent = BooleanField(_l("I have read and agree to the privacy notice"))
    submit = SubmitField(_l("Set password and sign in"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r) for r in ROLES], validate_choice=False)
    submit = SubmitField(_l("Change role"))


class ForgotForm(FlaskForm):
    login = StringField(_l("Email or mobile number"))
    submit = SubmitField(_l("Send me a link"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"))
    submit = SubmitField(_l("Delete my account"))
