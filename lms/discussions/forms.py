from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class ThreadForm(FlaskForm):
    title = StringField(_l("Title of your question or topic"))
    body = TextAreaField(_l("Message"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"))
