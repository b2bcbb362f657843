from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField


class WorkForm(FlaskForm):
    """A practice task's hand-in: text, photos and a link, as the task asks."""

    text = TextAreaField(_l("Your text"))
    photos = MultipleFileField(_l("Add photos (JPEG, PNG or WebP, at most 10 MB each)"))
    link = StringField(_l("Link (for example to your post)"))
    version = HiddenField()
