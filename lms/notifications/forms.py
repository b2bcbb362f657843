from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Announcement"))


class CodeRequestForm(FlaskForm):
    phone = StringField(_l("Mobile number (WhatsApp)"))


class CodeResetForm(FlaskForm):
    phone = StringField(_l("Mobile number (WhatsApp)"))
    code = StringField(_l("Code from WhatsApp (6 digits)"))
    password = PasswordField(_l("New password"))
